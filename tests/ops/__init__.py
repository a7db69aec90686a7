"""Tests of running unattended: schedule, sensors, backfills, concurrency, retries, alerts."""
