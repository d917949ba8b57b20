package io.graylane.agent;

import io.graylane.agent.instrumentation.apachehttpclient.ApacheHttpClientInstrumentation;
import io.graylane.agent.instrumentation.dubbo.DubboInstrumentation;
import io.graylane.agent.instrumentation.executors.ExecutorsInstrumentation;
import io.graylane.agent.instrumentation.grpc.GrpcInstrumentation;
import io.graylane.agent.instrumentation.httpurlconnection.HttpUrlConnectionInstrumentation;
import io.graylane.agent.instrumentation.javahttpclient.JavaHttpClientInstrumentation;
import io.graylane.agent.instrumentation.kafka.KafkaInstrumentation;
import io.graylane.agent.instrumentation.jdbc.JdbcInstrumentation;
import io.graylane.agent.instrumentation.log4j.Log4jInstrumentation;
import io.graylane.agent.instrumentation.logback.LogbackInstrumentation;
import io.graylane.agent.instrumentation.okhttp.OkHttpInstrumentation;
import io.graylane.agent.instrumentation.reactor.ReactorInstrumentation;
import io.graylane.agent.instrumentation.reactornetty.ReactorNettyInstrumentation;
import io.graylane.agent.instrumentation.rocketmq.RocketMqInstrumentation;
import io.graylane.agent.instrumentation.servlet.ServletInstrumentation;

import java.util.Arrays;
import java.util.List;

/** Every instrumentation module, in installation order. Adding a library adds one line here. */
final class Modules {

    private Modules() {}

    static List<InstrumentationModule> all() {
        return Arrays.asList(
                ServletInstrumentation.javax(),
                ServletInstrumentation.jakarta(),
                new GrpcInstrumentation(),
                new DubboInstrumentation(),
                new OkHttpInstrumentation(),
                new HttpUrlConnectionInstrumentation(),
                new JavaHttpClientInstrumentation(),
                ApacheHttpClientInstrumentation.v4(),
                ApacheHttpClientInstrumentation.v5(),
                new ExecutorsInstrumentation(),
                new ReactorNettyInstrumentation(),
                new ReactorInstrumentation(),
                new KafkaInstrumentation(),
                new RocketMqInstrumentation(),
                new LogbackInstrumentation(),
                new Log4jInstrumentation(),
                new JdbcInstrumentation());
    }
}
