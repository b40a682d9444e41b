package io.keyward.app.vault;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vault's firewall ({@code networkAcls} of keyvault.json's NetworkRuleSet): with {@code defaultAction: Deny}, only
 * callers whose address matches an IP rule reach the vault's keys; {@code bypass: AzureServices} lets trusted services
 * through whatever the rules say, which for Keyward is its own resource providers reaching their customer keys in process
 * (cmk.HostedVaultKeys). IP rules are IPv4 addresses or CIDR ranges, as Key Vault's are; virtual network rules cannot be
 * enforced here (there are no VNets) and are refused at the edge, never stored.
 */
public record NetworkAcls(boolean denyByDefault, boolean bypassAzureServices, List<String> ipRules) {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

    public NetworkAcls {
        ipRules = List.copyOf(ipRules);
    }

    /** Whether a caller at {@code address} (an IPv4 literal; null or anything else matches no rule) passes the rules. */
    public boolean admits(String address) {
        if (!denyByDefault) {
            return true;
        }
        Optional<long[]> caller = address == null ? Optional.empty() : range(address.trim());
        return caller.isPresent() && caller.get()[1] == 32
                && ipRules.stream().map(NetworkAcls::range).flatMap(Optional::stream).anyMatch(r -> within(caller.get()[0], r));
    }

    /** {@code value} in the stored spelling ({@code 10.0.0.0/8}, {@code 192.0.2.1}), or empty when it is no IPv4 address or range. */
    static Optional<String> normalRule(String value) {
        return range(value == null ? "" : value.trim()).map(r -> {
            String addr = ((r[0] >>> 24) & 255) + "." + ((r[0] >>> 16) & 255) + "." + ((r[0] >>> 8) & 255) + "." + (r[0] & 255);
            return r[1] == 32 ? addr : addr + "/" + r[1];
        });
    }

    /** {address, prefix length}, or empty when {@code text} is not an IPv4 address or CIDR range. */
    private static Optional<long[]> range(String text) {
        Matcher m = IPV4.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        long addr = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255 || (m.group(i).length() > 1 && m.group(i).startsWith("0"))) {
                return Optional.empty();
            }
            addr = (addr << 8) | octet;
        }
        int prefix = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
        if (prefix > 32) {
            return Optional.empty();
        }
        return Optional.of(new long[] {addr, prefix});
    }

    private static boolean within(long address, long[] range) {
        long mask = range[1] == 0 ? 0 : (0xFFFFFFFFL << (32 - range[1])) & 0xFFFFFFFFL;
        return (address & mask) == (range[0] & mask);
    }
}
