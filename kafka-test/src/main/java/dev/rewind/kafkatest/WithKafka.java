package dev.rewind.kafkatest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a real Kafka broker, shared by every class of the test run: declare a
 * {@link KafkaBroker} parameter (constructor, lifecycle method or test method) to get it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(KafkaBrokerExtension.class)
public @interface WithKafka {}
