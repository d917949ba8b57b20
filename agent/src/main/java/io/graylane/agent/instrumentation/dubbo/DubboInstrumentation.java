package io.graylane.agent.instrumentation.dubbo;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.matcher.ElementMatcher;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Apache Dubbo 2.7 (from 2.7.5) and 3.x, any protocol. Three points that only ever run on one side of a call:
 * <ul>
 *   <li>provider: {@code AbstractProxyInvoker.invoke}, the last invoker before the service method, on the thread
 *       that runs it, with the received attachments;</li>
 *   <li>consumer: {@code AbstractInvoker.invoke}, the protocol's client invoker, after the cluster and filters
 *       have put the application's RpcContext attachments into the outgoing invocation;</li>
 *   <li>consumer, dubbo protocol: {@code DefaultFuture.doReceived}, where the response completes the futures an
 *       asynchronous caller chained its callbacks to;</li>
 *   <li>consumer, triple protocol (Dubbo 3): {@code DeadlineFuture.newFuture} and {@code doReceived}, the same for
 *       triple's own future.</li>
 * </ul>
 * With {@code graylane.route.dubbo-tag}, two more: {@code AbstractClusterInvoker.invoke} (consumer, before routing:
 * the label as {@code dubbo.tag}) and {@code AbstractInterfaceConfig.getTag} (provider, at export: the lane as tag).
 */
public final class DubboInstrumentation implements InstrumentationModule {

    private static final String INVOCATION = "org.apache.dubbo.rpc.Invocation";
    private static final String RESULT = "org.apache.dubbo.rpc.Result";
    private static final String DEADLINE_FUTURE = "org.apache.dubbo.rpc.protocol.tri.DeadlineFuture";

    @Override
    public Hook hook() {
        return Hook.DUBBO;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        // the advice calls Invocation.put/get and setAttachment(String, String), there from 2.7.5 on, like this class:
        // older versions are left alone rather than failing at the first call
        ElementMatcher<ClassLoader> from275 = ClassLoaders.canSee("org.apache.dubbo.common.threadpool.ThreadlessExecutor");
        rules
                .named(from275, "org.apache.dubbo.rpc.proxy.AbstractProxyInvoker")
                .transform(advices.advice(hook(), named("invoke").and(takesArguments(1))
                        .and(takesArgument(0, named(INVOCATION))).and(returns(named(RESULT))),
                        "io.graylane.agent.instrumentation.dubbo.DubboProviderAdvice"))
                .named(from275, "org.apache.dubbo.rpc.protocol.AbstractInvoker")
                .transform(advices.advice(hook(), named("invoke").and(takesArguments(1))
                        .and(takesArgument(0, named(INVOCATION))).and(returns(named(RESULT))),
                        "io.graylane.agent.instrumentation.dubbo.DubboConsumerAdvice"))
                .named(from275, "org.apache.dubbo.rpc.cluster.support.AbstractClusterInvoker")
                .transform(advices.advice(hook(), named("invoke").and(isPublic()).and(takesArguments(1))
                        .and(takesArgument(0, named(INVOCATION))).and(returns(named(RESULT))),
                        "io.graylane.agent.instrumentation.dubbo.DubboClusterTagAdvice"))
                .named(from275, "org.apache.dubbo.config.AbstractInterfaceConfig")
                .transform(advices.advice(hook(), named("getTag").and(takesArguments(0))
                        .and(returns(named("java.lang.String"))),
                        "io.graylane.agent.instrumentation.dubbo.DubboServiceTagAdvice"))
                .named(from275, "org.apache.dubbo.remoting.exchange.support.DefaultFuture")
                .transform(advices.advice(hook(), named("doReceived").and(takesArguments(1))
                        .and(takesArgument(0, named("org.apache.dubbo.remoting.exchange.Response"))),
                        "io.graylane.agent.instrumentation.dubbo.DubboResponseAdvice"))
                .named(from275, DEADLINE_FUTURE)
                .transform(advices.advice(hook(), named("newFuture").and(isStatic()).and(takesArguments(5))
                        .and(takesArgument(4, named("java.util.concurrent.ExecutorService")))
                        .and(returns(named(DEADLINE_FUTURE))),
                        "io.graylane.agent.instrumentation.dubbo.TripleFutureCreatedAdvice"))
                .transform(advices.advice(hook(), named("doReceived").and(takesArguments(2))
                        .and(takesArgument(0, named("org.apache.dubbo.rpc.TriRpcStatus")))
                        .and(takesArgument(1, named("org.apache.dubbo.rpc.AppResponse"))),
                        "io.graylane.agent.instrumentation.dubbo.TripleFutureReceivedAdvice"));
        if (ShadowGuard.isOn()) {
            rules
                    .named(from275, "org.apache.dubbo.rpc.cluster.support.AbstractClusterInvoker")
                    .transform(advices.advice(hook(), named("invoke").and(isPublic()).and(takesArguments(1))
                            .and(takesArgument(0, named(INVOCATION))).and(returns(named(RESULT))),
                            "io.graylane.agent.instrumentation.dubbo.DubboInvokeGuardAdvice"))
                    .named(from275, "org.apache.dubbo.rpc.protocol.AbstractInvoker")
                    .transform(advices.advice(hook(), named("invoke").and(takesArguments(1))
                            .and(takesArgument(0, named(INVOCATION))).and(returns(named(RESULT))),
                            "io.graylane.agent.instrumentation.dubbo.DubboInvokeGuardAdvice"));
        }
    }
}
