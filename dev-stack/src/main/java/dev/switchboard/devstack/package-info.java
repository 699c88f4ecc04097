/**
 * The embedded default: a real KRaft broker ({@code kafka}), a Confluent-compatible Schema Registry
 * ({@code registry}), the provider simulator ({@code simulator}) and, unless infra-only, the
 * planner, router and worker pools, all in one JVM. {@link dev.switchboard.devstack.DevStack} starts
 * and stops them in order.
 */
package dev.switchboard.devstack;
