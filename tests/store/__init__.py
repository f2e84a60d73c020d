"""Tests of the job-state stores (``service/store``)."""
