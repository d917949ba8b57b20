package io.graylane.agent.compare;

/**
 * Diffy's rule: a field regresses at an endpoint when its candidate difference rate exceeds its noise rate (primary
 * against secondary) by more than 3 percentage points and by more than 20% of the noise rate. A field that differs
 * between primary and secondary and does not regress is noise.
 */
final class Verdict {

    static final double ABSOLUTE = 0.03;
    static final double RELATIVE = 0.20;

    private Verdict() {
    }

    static double rate(long count, long of) {
        return of <= 0 ? 0 : (double) count / of;
    }

    static boolean regressed(double candidateRate, double noiseRate) {
        return candidateRate - noiseRate > ABSOLUTE && candidateRate > noiseRate * (1 + RELATIVE);
    }

    /** "regressed", "noise", or "" (differences too rare to call either). */
    static String of(long candidateDiffs, long comparable, long noiseDiffs, long withSecondary) {
        double c = rate(candidateDiffs, comparable);
        double n = rate(noiseDiffs, withSecondary);
        if (regressed(c, n)) return "regressed";
        return noiseDiffs > 0 ? "noise" : "";
    }
}
