package io.keyward.app.kusto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyward.app.engine.ArmSku;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * What Clusters_ListSkus and Clusters_ListSkusByResource (2024-04-13) answer: the sku names Keyward advertises (a subset
 * of the spec's AzureSkuName; any name is accepted at create), one Basic (a single instance) and the Standard ones.
 * Keyward serves any region name; {@link #LOCATIONS} are the regions the listing names. Keyward does not autoscale, so a
 * cluster's capacity is scaled by hand (scaleType manual), Basic not at all.
 */
final class KustoSkus {

    static final String RESOURCE_TYPE = "clusters";
    static final List<String> LOCATIONS = List.of("East US", "West US 2", "North Europe", "West Europe");
    private static final String BASIC = "Dev(No SLA)_Standard_E2a_v4";
    private static final List<String> STANDARD = List.of("Standard_E2ads_v5", "Standard_E4ads_v5", "Standard_E8ads_v5",
            "Standard_E16ads_v5", "Standard_L8as_v3", "Standard_L16as_v3", "Standard_L32as_v3");

    private KustoSkus() {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record LocationInfo(String location, List<String> zones, List<Object> zoneDetails) {
    }

    /** SkuDescription. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Description(String resourceType, String name, String tier, List<String> locations, List<LocationInfo> locationInfo,
                       List<Object> restrictions) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record DescriptionList(List<Description> value) {
    }

    /** AzureCapacity. */
    @Serdeable
    record Capacity(String scaleType, int minimum, int maximum, @JsonProperty("default") int byDefault) {
    }

    /** AzureResourceSku. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ResourceSku(String resourceType, ArmSku sku, Capacity capacity) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ResourceSkuList(List<ResourceSku> value) {
    }

    static DescriptionList all() {
        List<LocationInfo> info = LOCATIONS.stream().map(l -> new LocationInfo(l, List.of(), List.of())).toList();
        List<Description> out = new java.util.ArrayList<>();
        out.add(new Description(RESOURCE_TYPE, BASIC, "Basic", LOCATIONS, info, List.of()));
        STANDARD.forEach(n -> out.add(new Description(RESOURCE_TYPE, n, "Standard", LOCATIONS, info, List.of())));
        return new DescriptionList(out);
    }

    /** The skus a cluster of {@code tier} can move to: its own tier's (Basic: one instance; Standard: 2-1000). */
    static ResourceSkuList of(ArmSku current) {
        if ("Basic".equals(current.tier())) {
            return new ResourceSkuList(List.of(new ResourceSku(KustoCluster.TYPE, new ArmSku(BASIC, "Basic", null),
                    new Capacity("none", 1, 1, 1))));
        }
        return new ResourceSkuList(STANDARD.stream().map(n -> new ResourceSku(KustoCluster.TYPE, new ArmSku(n, "Standard", null),
                new Capacity("manual", 2, 1000, 2))).toList());
    }
}
