/** The hello-world program whose JVM start time run.sh measures with and without each agent. */
public final class Hello {
    public static void main(String[] args) {
        System.out.println("hello");
    }
}
