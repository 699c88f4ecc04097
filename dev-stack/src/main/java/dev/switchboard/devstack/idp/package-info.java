/**
 * The dev stack's OAuth2 / OIDC issuer: navikt's mock-oauth2-server, issuing tokens for issuer id
 * {@code switchboard} signed with a key kept in the data folder, so tokens outlive a restart.
 */
package dev.switchboard.devstack.idp;
