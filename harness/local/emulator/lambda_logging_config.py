"""Gap: moto's Lambda drops LoggingConfig (log format and log group) from Create/UpdateFunction.

The stack sends JSON logs to the log group it creates; moto returned no LoggingConfig, so every plan
showed the functions changing. AWS answers with the given config, or its default (Text format,
/aws/lambda/<name>) when none was set; so does this patch.
"""

from __future__ import annotations

from typing import Any


def _default(name: str) -> dict[str, str]:
    return {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}


def apply() -> None:
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_get = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.logging_config = {**_default(self.function_name), **(spec.get("LoggingConfig") or {})}

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = original_get(self, *args, **kwargs)
        config["LoggingConfig"] = getattr(self, "logging_config", _default(self.function_name))
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = {**_default(self.function_name), **(config_updates["LoggingConfig"] or {})}
        return original_update(self, config_updates)

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration
