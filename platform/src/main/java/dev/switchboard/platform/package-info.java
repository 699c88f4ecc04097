/**
 * What every Switchboard service shares: validated configuration ({@code config}), the topic
 * catalogue, Kafka client settings, topic bootstrap, the consume-transform-produce loop and
 * dead-letter publishing ({@code kafka}).
 */
package dev.switchboard.platform;
