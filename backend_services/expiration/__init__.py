"""expiration: hold timers (arq on Redis) that publish `expiration.complete`."""
