"""The demo group (`group`) and the Prefect tasks its flow runs (`tasks`)."""
