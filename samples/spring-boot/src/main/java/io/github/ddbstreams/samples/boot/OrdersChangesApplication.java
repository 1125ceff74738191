package io.github.ddbstreams.samples.boot;

import java.time.Duration;

import io.github.ddbstreams.spring.boot.DynamoDbStreamsPipeline;
import io.github.ddbstreams.spring.boot.DynamoDbStreamsPipelineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application reading the {@code Orders} table's changes through the starter: its configuration is
 * {@code application.yml} ({@code ddb.streams.*}) and one {@link DynamoDbStreamsPipeline} bean; the starter
 * subscribes it with the context and commits the checkpoint when the context closes.
 *
 * <p>Without {@code ddb.streams.client.endpoint} it runs on an embedded DynamoDB Local ({@link EmbeddedDynamoDbConfiguration})
 * and writes {@code sample.changes} changes itself ({@link OrderWriter}). Run from the repository root with
 * {@code mvn -q -Pboot-demo -DskipTests -pl samples/spring-boot -am package}: it prints each change, the health and
 * exits 0 once every change written was processed (or runs until stopped with {@code --sample.keep-running=true}).
 */
@SpringBootApplication
@org.springframework.boot.context.properties.EnableConfigurationProperties(SampleProperties.class)
public class OrdersChangesApplication {

    /** The pipeline: print each change, remember it, acknowledge it (the checkpoint advances past it). */
    @Bean
    DynamoDbStreamsPipeline ordersPipeline(ChangeLog changes, SampleProperties sample) {
        return records -> records.doOnNext(record -> {
            String status = record.newImageAsMap().getOrDefault("status", "-").toString();
            if (status.equals(sample.failOnStatus())) {
                throw new IllegalStateException("Order " + record.keysAsMap().get("pk") + " has status " + status
                        + " (sample.fail-on-status): the pipeline fails, the health turns DOWN");
            }
            changes.add(record);
            System.out.printf("%-6s %-10s status=%-9s seq=%s%n", record.eventName(), record.keysAsMap().get("pk"),
                    status, record.sequenceNumber());
            record.checkpoint().acknowledge();
        });
    }

    @Bean
    ChangeLog changeLog() {
        return new ChangeLog();
    }

    public static void main(String[] args) throws InterruptedException {
        ConfigurableApplicationContext context = SpringApplication.run(OrdersChangesApplication.class, args);
        SampleProperties sample = context.getBean(SampleProperties.class);
        if (sample.keepRunning()) {
            return; // stopped by SIGTERM / Ctrl-C: the context closes and the checkpoint is committed
        }
        ChangeLog changes = context.getBean(ChangeLog.class);
        DynamoDbStreamsPipelineRunner pipeline = context.getBean(DynamoDbStreamsPipelineRunner.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (changes.size() < sample.changes() && pipeline.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        HealthIndicator health = context.getBean("ddbstreamsHealthIndicator", HealthIndicator.class);
        System.out.println("health: " + health.health());
        boolean complete = changes.size() >= sample.changes();
        System.out.printf("%s: %d of %d changes processed %s%n", complete ? "OK" : "FAILED", changes.size(),
                sample.changes(), changes.countsByEventName());
        int code = SpringApplication.exit(context, () -> complete ? 0 : 1);
        System.exit(code);
    }
}
