"""Contract test suites: one per port, run against every adapter."""

import pytest

pytest.register_assert_rewrite(
    "tests.contract.store_contract", "tests.contract.queue_contract", "tests.contract.search_contract"
)
