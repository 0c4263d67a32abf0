-- Regular expressions (Trino uses Java regex semantics)
SELECT regexp_like('abc123', '\d+'), regexp_like('abc', '^b');
SELECT regexp_extract('abc123def456', '\d+'), regexp_extract('abc', '\d+');
SELECT regexp_extract('key=val', '(\w+)=(\w+)', 2);
SELECT regexp_extract_all('a1b22c333', '\d+');
SELECT regexp_extract_all('a1b22', '([a-z])(\d+)', 2);
SELECT regexp_replace('a1b2', '\d'), regexp_replace('a1b2', '\d', '#');
SELECT regexp_replace('John Smith', '(\w+) (\w+)', '$2, $1');
SELECT regexp_count('a1b2c3', '\d');
SELECT regexp_position('abcabc', 'c'), regexp_position('abcabc', 'c', 4);
SELECT regexp_split('a1b2c', '\d');
SELECT regexp_like('ABC', '(?i)abc');
SELECT regexp_extract('2024-03-01', '(\d{4})-(\d{2})', 1);
SELECT regexp_replace('aaa', 'a*', 'X');
SELECT regexp_like('a.c', 'a\.c'), regexp_like('abc', 'a\.c');
SELECT regexp_extract('foo', '(x)?foo', 1);
SELECT regexp_like('abc', '[');
-- Empty matches and groups that took no part
SELECT regexp_replace('abc', 'x*', '-'), regexp_replace('ab', 'b*', '[$0]'), regexp_extract('ab', '(a)(x)?', 2);
