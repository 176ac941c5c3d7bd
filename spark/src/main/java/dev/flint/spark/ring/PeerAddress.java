package dev.flint.spark.ring;

import java.net.InetSocketAddress;

/**
 * Where a worker's ring listener can be reached: a host name or address and a TCP port.
 *
 * <pre>{@code
 * PeerAddress a = PeerAddress.parse("10.0.0.7:41234");
 * a.host();   // "10.0.0.7"
 * }</pre>
 */
public record PeerAddress(String host, int port) {

    /** Checks the port range and that the host is not empty. */
    public PeerAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("PeerAddress: empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("PeerAddress: port " + port + " of " + host + " is outside 1..65535");
        }
    }

    /**
     * Parses {@code host:port} (an IPv6 host in brackets, {@code [::1]:41234}).
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static PeerAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("PeerAddress: expected host:port, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new PeerAddress(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PeerAddress: expected host:port, got '" + text + "'", e);
        }
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
