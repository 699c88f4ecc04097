package dev.switchboard.cli;

import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Print an access token from the OAuth2 issuer (security.issuer).",
                "For the HTTP API: curl -H \"Authorization: Bearer $(bin/switchboard token)\" localhost:8080/v1/models",
                "It is a client credentials grant as security.client.id. The dev stack's issuer gives the token the tenant, "
                        + "roles and subject asked for; another issuer decides them itself and may ignore those options."})
final class TokenCommand implements Callable<Integer> {

    @Option(names = "--tenant", paramLabel = "T", description = "The tenant the token acts in (dev issuer; default: default).")
    String tenant;

    @Option(names = "--role", paramLabel = "R", description = "A role of the token, repeatable (dev issuer; default: user).")
    List<String> roles = List.of();

    @Option(names = "--subject", paramLabel = "S", description = "Who the token is for (dev issuer; default: the client id).")
    String subject;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        SwitchboardConfig.SecuritySettings security = config.load(Map.of()).security();
        Map<String, String> fields = new LinkedHashMap<>();
        if (tenant != null) {
            fields.put("tenant", tenant);
        }
        if (!roles.isEmpty()) {
            fields.put("roles", String.join(" ", roles));
        }
        if (subject != null) {
            fields.put("subject", subject);
        }
        try {
            System.out.println(TokenClient.token(security, fields));
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), 1);
        }
        return 0;
    }
}
