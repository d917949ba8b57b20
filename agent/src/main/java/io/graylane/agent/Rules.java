package io.graylane.agent;

import io.graylane.core.hook.Hook;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the instrumentation modules ask for, one rule per kind of type: a cheap {@link TypeFilter}, a class-loader gate,
 * the exact type matcher, and the transformers applied, in order, to a type that passes all three. Every rule whose
 * type matches is applied. Built once at start-up; read by {@link GraylaneTransformer}.
 */
public final class Rules {

    private final List<Rule> all = new ArrayList<>();
    private Hook hook;
    private boolean follower;

    /** The module whose rules are added next. */
    void module(InstrumentationModule module) {
        this.hook = module.hook();
        this.follower = module.followsOtherModules();
    }

    /** Types with exactly these binary names. */
    public Rule named(String... names) {
        return add(TypeFilter.named(names), null, null);
    }

    /** Types with exactly these binary names, in class loaders the gate lets through. */
    public Rule named(ElementMatcher<? super ClassLoader> loaders, String... names) {
        return add(TypeFilter.named(names), null, loaders);
    }

    /** Types the filter lets through and the matcher matches. */
    public Rule type(TypeFilter filter, ElementMatcher<? super TypeDescription> type) {
        return add(filter, type, null);
    }

    /** Types the filter lets through and the matcher matches, in class loaders the gate lets through. */
    public Rule type(TypeFilter filter, ElementMatcher<? super TypeDescription> type,
                     ElementMatcher<? super ClassLoader> loaders) {
        return add(filter, type, loaders);
    }

    /** Removes the rules added since there were {@code size} (a module that failed half way). */
    void dropFrom(int size) {
        while (all.size() > size) all.remove(all.size() - 1);
    }

    List<Rule> all() {
        return Collections.unmodifiableList(all);
    }

    private Rule add(TypeFilter filter, ElementMatcher<? super TypeDescription> type, ElementMatcher<? super ClassLoader> loaders) {
        if (hook == null) throw new IllegalStateException("rules are added on behalf of a module");
        Rule rule = new Rule(this, all.size(), hook, follower, filter, type, loaders);
        all.add(rule);
        return rule;
    }

    /** One kind of type and what is done to it. */
    public static final class Rule {
        private final Rules rules;
        /** Its place among all rules: rules that match the same type are applied in this order. */
        final int index;
        final Hook hook;
        /** A rule of a module that {@linkplain InstrumentationModule#followsOtherModules() follows the others}. */
        final boolean follower;
        final TypeFilter filter;
        /** Null: the filter is exact (names only). */
        final ElementMatcher<? super TypeDescription> type;
        /** Null: any class loader, the bootstrap loader included. */
        final ElementMatcher<? super ClassLoader> loaders;
        final List<TypeTransformer> transformers = new ArrayList<>();

        private Rule(Rules rules, int index, Hook hook, boolean follower, TypeFilter filter, ElementMatcher<? super TypeDescription> type,
                     ElementMatcher<? super ClassLoader> loaders) {
            this.rules = rules;
            this.index = index;
            this.hook = hook;
            this.follower = follower;
            this.filter = filter;
            this.type = type;
            this.loaders = loaders;
        }

        /** Adds a transformer; transformers run in the order added. */
        public Rule transform(TypeTransformer transformer) {
            transformers.add(transformer);
            return this;
        }

        /** The next rule: see {@link Rules#named(String...)}. */
        public Rule named(String... names) {
            return rules.named(names);
        }

        /** The next rule: see {@link Rules#named(ElementMatcher, String...)}. */
        public Rule named(ElementMatcher<? super ClassLoader> loaders, String... names) {
            return rules.named(loaders, names);
        }

        /** The next rule: see {@link Rules#type(TypeFilter, ElementMatcher)}. */
        public Rule type(TypeFilter filter, ElementMatcher<? super TypeDescription> type) {
            return rules.type(filter, type);
        }

        /** The next rule: see {@link Rules#type(TypeFilter, ElementMatcher, ElementMatcher)}. */
        public Rule type(TypeFilter filter, ElementMatcher<? super TypeDescription> type,
                         ElementMatcher<? super ClassLoader> loaders) {
            return rules.type(filter, type, loaders);
        }

        /** Whether this rule applies to the described type (after its filter and class-loader gate let it through). */
        boolean matches(TypeDescription description) {
            return type == null || type.matches(description);
        }

        /** What this rule takes and writes, for the class cache's identity (see {@link TypeTransformer#changes}). */
        String identity() {
            StringBuilder identity = new StringBuilder(toString()).append(follower ? " following" : "")
                    .append(loaders == null ? "" : " loaders " + loaders);
            for (TypeTransformer transformer : transformers) {
                String changes = transformer.changes();
                if (changes != null) identity.append(" | ").append(changes);
            }
            return identity.toString();
        }

        @Override
        public String toString() {
            return hook.configName() + ": " + filter + (type == null ? "" : " " + type);
        }
    }
}
