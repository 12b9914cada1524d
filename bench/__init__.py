"""Benchmarks (``make bench`` = ``python -m bench``): listing against bare boto3 on a real S3 server,
and reading/parsing/coverage/gaps/full pipeline at 10K..10M objects. On demand, never in the tests."""
