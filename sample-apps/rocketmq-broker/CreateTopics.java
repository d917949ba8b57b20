import java.util.concurrent.TimeUnit;

import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * {@code java -cp 'sample-apps/target/rocketmq-broker-lib/*' CreateTopics.java NAMESRV BROKER_ADDR TOPIC...} (the
 * JDK's source launcher): creates each topic with 4 queues on the broker and returns once the name server routes every
 * one of them, so producers and consumers started next never meet a missing route.
 */
public final class CreateTopics {

    public static void main(String[] args) throws Exception {
        DefaultMQAdminExt admin = new DefaultMQAdminExt(10_000);
        admin.setNamesrvAddr(args[0]);
        admin.setInstanceName("create-topics");
        admin.start();
        try {
            for (int i = 2; i < args.length; i++) {
                TopicConfig topic = new TopicConfig(args[i], 4, 4, 6);
                admin.createAndUpdateTopicConfig(args[1], topic);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 2; i < args.length; i++) {
                while (!routed(admin, args[i])) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("the name server has no route for " + args[i]);
                    }
                    Thread.sleep(100);
                }
            }
            System.out.println("topics created");
        } finally {
            admin.shutdown();
        }
    }

    private static boolean routed(DefaultMQAdminExt admin, String topic) {
        try {
            TopicRouteData route = admin.examineTopicRouteInfo(topic);
            return route != null && !route.getQueueDatas().isEmpty() && !route.getBrokerDatas().isEmpty();
        } catch (Exception e) {
            return false;
        }
    }
}
