package io.keyward.app.cmk;

import java.net.URI;

/** A key version's identifier, {@code https://host[:port]/keys/{name}/{version}}: the parts the adapters need. */
record KeyId(String vaultUri, String name, String version) {

    static KeyId parse(String kid) {
        URI uri = URI.create(kid);
        String[] path = uri.getPath() == null ? new String[0] : uri.getPath().split("/");
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getRawAuthority() == null || path.length != 4 || !path[0].isEmpty()
                || !"keys".equals(path[1]) || path[2].isEmpty() || path[3].isEmpty()) {
            throw new IllegalArgumentException("not a key version identifier: " + kid);
        }
        return new KeyId("https://" + uri.getRawAuthority() + "/", path[2], path[3]);
    }
}
