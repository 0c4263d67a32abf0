-- URL functions
SELECT url_extract_host('https://user:pw@example.com:8080/p/a/t/h?query=1&x=y#frag');
SELECT url_extract_port('https://example.com:8080/p'), url_extract_port('https://example.com/p');
SELECT url_extract_protocol('https://example.com/p'), url_extract_path('https://example.com/p/a/t/h?q=1');
SELECT url_extract_query('https://example.com/p?query=1&x=y#frag'), url_extract_query('https://example.com/p');
SELECT url_extract_fragment('https://example.com/p#frag'), url_extract_fragment('https://example.com/p');
SELECT url_extract_parameter('https://example.com/p?query=1&x=y', 'x'), url_extract_parameter('https://example.com/p?query=1', 'nope');
SELECT url_extract_host('not a url'), url_extract_host('https://EXAMPLE.com/');
SELECT url_extract_path('https://example.com'), url_extract_path('https://example.com/');
SELECT url_extract_host('https://api.github.com/repos/octo/repo');
SELECT url_extract_parameter('http://x.com/?a=1&a=2', 'a');
SELECT url_encode('a b/c?d=é');
SELECT url_decode('a%20b+c');
SELECT url_extract_host(NULL), url_extract_port('http://x.com:99999/');
-- java.net.URLEncoder / URLDecoder
SELECT url_encode('~*-_.!''()@:'), url_decode('%e2%82%ac'), url_decode('a+%2B');
SELECT url_decode('%zz');
SELECT url_decode('100%');
