package io.floe.bench;

/**
 * Reads a bench command's arguments one option at a time: flags ({@code --quick}) and options given either as
 * {@code --name value} or {@code --name=value}. Each command's parser decides which names take a value.
 */
final class ArgReader {
    private final String[] args;
    private int next;
    private String name;
    private String inlineValue;

    ArgReader(String[] args) {
        this.args = args;
    }

    /** Moves to the next option; false when there is none. */
    boolean next() {
        if (next >= args.length) {
            return false;
        }
        String a = args[next++];
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 0) {
            name = a.substring(0, eq);
            inlineValue = a.substring(eq + 1);
        } else {
            name = a;
            inlineValue = null;
        }
        return true;
    }

    /** The current option's name, without any {@code =value}. */
    String name() {
        return name;
    }

    /** The current option's value: after its {@code =}, or else the next argument, which it then consumes. */
    String value() {
        if (inlineValue != null) {
            return inlineValue;
        }
        if (next >= args.length) {
            throw new IllegalArgumentException("missing value for " + name);
        }
        return args[next++];
    }
}
