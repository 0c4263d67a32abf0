"""The provider trim: which services a stack needs, and the two generated files it overlays."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.iac import provider_trim as pt

SERVICE_PACKAGES = """package sdkv2

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-provider-aws/internal/conns"
	"github.com/hashicorp/terraform-provider-aws/internal/service/athena"
	"github.com/hashicorp/terraform-provider-aws/internal/service/ec2"
	"github.com/hashicorp/terraform-provider-aws/internal/service/s3"
)

func servicePackages(ctx context.Context) []conns.ServicePackage {
	v := []conns.ServicePackage{
		athena.ServicePackage(ctx),
		ec2.ServicePackage(ctx),
		s3.ServicePackage(ctx),
	}

	return slices.Clone(v)
}
"""

AWSCLIENT = """package conns

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-provider-aws/internal/errs"
)

func (c *AWSClient) AthenaClient(ctx context.Context) *athena.Client {
	return errs.Must(client[*athena.Client](ctx, c, names.Athena, make(map[string]any)))
}

func (c *AWSClient) EC2Client(ctx context.Context) *ec2.Client {
	return errs.Must(client[*ec2.Client](ctx, c, names.EC2, make(map[string]any)))
}

func (c *AWSClient) S3Client(ctx context.Context) *s3.Client {
	return errs.Must(client[*s3.Client](ctx, c, names.S3, make(map[string]any)))
}
"""


def test_stack_types_cover_resources_data_and_skip_other_providers(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "a" {}\ndata "aws_caller_identity" "c" {}\n')
    (tmp_path / "m" / "x.tf").write_text('  resource "aws_kms_key" "k" {}\nresource "random_id" "r" {}\n')
    (tmp_path / "notes.md").write_text('resource "aws_ec2_instance" "ignored" {}')
    assert pt.stack_resource_types(tmp_path) == {"aws_s3_bucket", "aws_caller_identity", "aws_kms_key"}


def test_the_real_stack_maps_to_a_small_service_set(repo_root: Path) -> None:
    types = pt.stack_resource_types(repo_root / "terraform")
    assert {"aws_s3_bucket", "aws_glue_catalog_table", "aws_athena_workgroup", "aws_lambda_function"} <= types


def test_select_services_rejects_unknown_types() -> None:
    index = {"aws_s3_bucket": "s3", "aws_athena_workgroup": "athena"}
    assert pt.select_services({"aws_s3_bucket", "aws_athena_workgroup"}, index) == ["athena", "s3"]
    with pytest.raises(pt.TrimError, match="aws_s3_bukket"):
        pt.select_services({"aws_s3_bukket"}, index)


def test_trimmed_service_packages_keeps_only_selected() -> None:
    out = pt.trimmed_service_packages(SERVICE_PACKAGES, ["s3", "athena"])
    assert "s3.ServicePackage(ctx)" in out and "athena.ServicePackage(ctx)" in out
    assert "ec2" not in out
    assert '"github.com/hashicorp/terraform-provider-aws/internal/conns"' in out


def test_trimmed_service_packages_fails_for_unregistered_service() -> None:
    with pytest.raises(pt.TrimError, match="glue"):
        pt.trimmed_service_packages(SERVICE_PACKAGES, ["glue"])


def test_trimmed_awsclient_drops_unused_accessors_and_their_imports() -> None:
    assert pt.accessor_names(AWSCLIENT) == {"AthenaClient", "EC2Client", "S3Client"}
    out = pt.trimmed_awsclient(AWSCLIENT, {"S3Client"})
    assert "func (c *AWSClient) S3Client" in out
    assert "EC2Client" not in out and "AthenaClient" not in out
    assert '"github.com/aws/aws-sdk-go-v2/service/s3"' in out
    assert "service/ec2" not in out and "service/athena" not in out
    assert '"github.com/hashicorp/terraform-provider-aws/internal/errs"' in out


def test_referenced_accessors_scan_non_test_go_files(tmp_path: Path) -> None:
    (tmp_path / "bucket.go").write_text("conn := meta.(*conns.AWSClient).S3Client(ctx)\n")
    (tmp_path / "bucket_test.go").write_text("conn := acctest.Provider.Meta().EC2Client(ctx)\n")
    assert pt.referenced_accessors([tmp_path], {"S3Client", "EC2Client"}) == {"S3Client"}


def test_accessor_services_follow_the_names_constants() -> None:
    consts = 'const (\n\tAthena = "athena"\n\tEC2 = "ec2"\n\tS3 = "s3"\n)\n'
    assert pt.accessor_services(AWSCLIENT, consts) == {
        "AthenaClient": "athena",
        "EC2Client": "ec2",
        "S3Client": "s3",
    }
    with pytest.raises(pt.TrimError, match="EC2Client"):
        pt.accessor_services(AWSCLIENT, 'const (\n\tAthena = "athena"\n\tS3 = "s3"\n)\n')
