package io.github.ddbstreams.testkit;

import java.util.concurrent.CountDownLatch;

/** A child JVM for {@link JavaProcessIntegrationTest}: says it is ready, then waits until it is killed. */
public final class ParkedMain {

    private ParkedMain() {
    }

    /** Prints {@code ready <args>} and parks the main thread forever. */
    public static void main(String[] args) throws InterruptedException {
        System.out.println("ready " + String.join(" ", args));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
