"""Root of the suite: steps and fixtures are plugins, so every feature can use every step."""

pytest_plugins = [
    "fixtures.options",
    "fixtures.reporting",
    "fixtures.platform",
    "fixtures.area_developers",
    "steps.common",
    "steps.sandbox",
    "steps.kafka_act",
    "steps.pipeline",
    "steps.store_outage",
    "steps.security",
    "steps.hostile_tenant",
    "steps.provisioning",
    "steps.planted_links",
    "steps.hdfs_act",
    "steps.databases_act",
    "steps.quotas",
    "steps.mariadb_sink_limit",
    "steps.hdfs_quotas",
    "steps.hdfs_sink_quota",
    "steps.yarn_queues",
]
