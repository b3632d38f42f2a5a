"""The fleet stage: what runs over many routers (rollout, the runner's runs), over injected ports."""
