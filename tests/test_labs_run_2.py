"""Lab commands, shard 2 of labrun.SHARDS (tests/labrun.py says why they are split)."""
from labrun import shard_tests

test_lab_command_exits_as_documented, test_sample_output_is_what_the_command_prints = shard_tests(2)
