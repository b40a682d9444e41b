package io.keyward.app.vault.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.vault.keys.wire.KeyOperationsParameters;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The crypto operations read their body straight from the parsed tree; for every body it takes, that reading equals
 * serde's, and the bodies it does not take (unknown members, non-string values) are left to serde.
 */
class OperationBodyTest {

    private final JsonMapper json = JsonMapper.createDefault();

    @Test
    void thePlainShapeReadsAsSerdeReadsIt() throws IOException {
        for (String body : List.of(
                "{\"alg\":\"RSA-OAEP\",\"value\":\"AQID\"}",
                "{\"alg\":\"RSA-OAEP-256\",\"value\":\"AQID\",\"iv\":\"aXY\",\"aad\":\"YWFk\",\"tag\":\"dGFn\"}",
                "{\"alg\":null,\"value\":\"\"}",
                "{}")) {
            JsonNode tree = json.readValue(body, JsonNode.class);
            KeyOperationsParameters direct = KeysController.operationParameters(tree);
            assertThat(direct).as(body).isNotNull()
                    .isEqualTo(json.readValueFromTree(tree, Argument.of(KeyOperationsParameters.class)));
        }
    }

    @Test
    void otherShapesAreLeftToSerde() throws IOException {
        for (String body : List.of(
                "{\"alg\":\"RSA-OAEP\",\"value\":1}",
                "{\"alg\":\"RSA-OAEP\",\"value\":\"AQID\",\"extra\":\"x\"}",
                "{\"alg\":[\"RSA-OAEP\"],\"value\":\"AQID\"}",
                "{\"alg\":\"RSA-OAEP\",\"value\":{\"v\":\"AQID\"}}",
                "[\"RSA-OAEP\"]",
                "\"RSA-OAEP\"")) {
            assertThat(KeysController.operationParameters(json.readValue(body, JsonNode.class))).as(body).isNull();
        }
    }
}
