package io.floe.broker.config;

/** A configuration value that cannot be used; the message names the key, the value and why. */
public class ConfigException extends RuntimeException {
  public ConfigException(String key, Object value, String why) {
    super("Invalid value " + value + " for configuration " + key + ": " + why);
  }

  public ConfigException(String message) {
    super(message);
  }
}
