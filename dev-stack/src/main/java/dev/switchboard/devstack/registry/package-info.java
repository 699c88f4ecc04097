/**
 * An embedded Schema Registry speaking the subset of Confluent's REST API that serializers,
 * deserializers and schema tooling use (register, look up, fetch by id, list, compatibility,
 * config), with Confluent's error bodies. Written here because Confluent's registry is not
 * published to Maven Central. Schemas are kept in the compacted {@code _schemas} topic in
 * Confluent's own record format, so ids survive restarts. One instance writes at a time: the dev
 * stack runs one.
 */
package dev.switchboard.devstack.registry;
