package dev.ksock;

import static dev.ksock.KpiMbuf.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ksock.internal.mbuf.MbufChains;
import dev.ksock.internal.mbuf.MbufPool;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Random sequences of chain operations against a plain byte-array model: after every step the
 * chain must hold exactly the model's bytes, its packet header length must equal the byte count
 * (every operation used here keeps it, as in BSD), and no mbuf may claim more than its buffer.
 * Half the tries run in debug mode, where touching freed memory throws.
 */
class KpiMbufChainProperties {

    sealed interface Op {
    }

    record Copyback(int offsetPastModel, byte[] data) implements Op {
    }

    record Adj(int permille, boolean fromTail) implements Op {
    }

    record Prepend(int len, byte fill) implements Op {
    }

    record Split(int permille) implements Op {
    }

    record Pullup(int permille) implements Op {
    }

    record Copym(int offPermille, int lenPermille, boolean all, boolean continueWithCopy) implements Op {
    }

    record Dup() implements Op {
    }

    record ShrinkLast(int permille) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> permille = Arbitraries.integers().between(0, 1000);
        Arbitrary<Op> copyback = Combinators.combine(
                Arbitraries.integers().between(-2000, 400),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(3000)).as(Copyback::new);
        Arbitrary<Op> adj = Combinators.combine(Arbitraries.integers().between(0, 1100), Arbitraries.of(true, false)).as(Adj::new);
        Arbitrary<Op> prepend = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.integers().between(0, 100), Arbitraries.integers().between(0, 5000)),
                Arbitraries.bytes()).as(Prepend::new);
        Arbitrary<Op> split = permille.map(Split::new);
        Arbitrary<Op> pullup = permille.map(Pullup::new);
        Arbitrary<Op> copym = Combinators.combine(permille, permille, Arbitraries.of(true, false), Arbitraries.of(true, false)).as(Copym::new);
        Arbitrary<Op> dup = Arbitraries.just(new Dup());
        Arbitrary<Op> shrink = permille.map(ShrinkLast::new);
        return Arbitraries.oneOf(copyback, adj, prepend, split, pullup, copym, dup, shrink).list().ofMaxSize(25);
    }

    @AfterProperty
    void normalMode() {
        MbufPool.setDebug(false);
    }

    @Property(tries = 250)
    void chainBehavesLikeByteArray(@ForAll("ops") List<Op> ops,
                                   @ForAll @IntRange(min = 1, max = 40000) int initial,
                                   @ForAll boolean debug) {
        MbufPool.setDebug(debug);
        long baseline = MbufPool.bytesInUse();
        Ref<Mbuf> ref = new Ref<>();
        assertThat(MbufChains.allocForReceive(MBUF_WAITOK, initial, ref)).isZero();
        byte[] model = new byte[initial];
        Arrays.fill(model, (byte) 7);
        Mbuf head = MbufChains.trimToReceived(ref.get(), initial);
        assertThat(mbuf_copyback(head, 0, initial, MemorySegment.ofArray(model), MBUF_WAITOK)).isZero();
        check(head, model, "initial");

        for (Op op : ops) {
            Step s = apply(head, model, op);
            head = s.head;
            model = s.model;
            check(head, model, op.toString());
        }
        mbuf_freem(head);
        assertThat(MbufPool.bytesInUse()).as("every byte returned to the pool").isEqualTo(baseline);
    }

    record Step(Mbuf head, byte[] model) {
    }

    private static Step apply(Mbuf head, byte[] model, Op op) {
        int len = model.length;
        switch (op) {
            case Copyback c -> {
                int off = Math.max(0, len + c.offsetPastModel());
                assertThat(mbuf_copyback(head, off, c.data().length, MemorySegment.ofArray(c.data()), MBUF_WAITOK)).isZero();
                byte[] next = Arrays.copyOf(model, Math.max(len, off + c.data().length));
                System.arraycopy(c.data(), 0, next, off, c.data().length);
                return new Step(head, next);
            }
            case Adj a -> {
                int n = (int) ((long) len * a.permille() / 1000);
                mbuf_adj(head, a.fromTail() ? -n : n);
                int keep = Math.max(0, len - n);
                return new Step(head, a.fromTail() ? Arrays.copyOf(model, keep) : Arrays.copyOfRange(model, len - keep, len));
            }
            case Prepend p -> {
                Ref<Mbuf> ref = new Ref<>(head);
                assertThat(mbuf_prepend(ref, p.len(), MBUF_WAITOK)).isZero();
                byte[] fill = new byte[p.len()];
                Arrays.fill(fill, p.fill());
                if (p.len() > 0) {
                    assertThat(mbuf_copyback(ref.get(), 0, p.len(), MemorySegment.ofArray(fill), MBUF_WAITOK)).isZero();
                }
                byte[] next = new byte[len + p.len()];
                System.arraycopy(fill, 0, next, 0, p.len());
                System.arraycopy(model, 0, next, p.len(), len);
                return new Step(ref.get(), next);
            }
            case Split s -> {
                int off = (int) ((long) len * s.permille() / 1000);
                Ref<Mbuf> tail = new Ref<>();
                assertThat(mbuf_split(head, off, MBUF_WAITOK, tail)).isZero();
                check(head, Arrays.copyOf(model, off), "split head");
                check(tail.get(), Arrays.copyOfRange(model, off, len), "split tail");
                assertThat(mbuf_concatenate(head, tail.get())).isSameAs(head);
                mbuf_pkthdr_setlen(head, len);
                return new Step(head, model);
            }
            case Pullup p -> {
                int n = (int) Math.min(M16KCLBYTES, (long) len * p.permille() / 1000);
                Ref<Mbuf> ref = new Ref<>(head);
                assertThat(mbuf_pullup(ref, n)).isZero();
                assertThat(mbuf_len(ref.get())).as("first mbuf holds the pulled-up bytes").isGreaterThanOrEqualTo(n);
                return new Step(ref.get(), model);
            }
            case Copym c -> {
                if (len == 0) {
                    return new Step(head, model);
                }
                int off = c.continueWithCopy() ? 0 : (int) ((long) (len - 1) * c.offPermille() / 1000);
                int n = c.all() || c.continueWithCopy() ? len - off : Math.max(1, (int) ((long) (len - off) * c.lenPermille() / 1000));
                Ref<Mbuf> copy = new Ref<>();
                assertThat(mbuf_copym(head, off, c.all() ? MBUF_COPYALL : n, MBUF_WAITOK, copy)).isZero();
                byte[] expected = Arrays.copyOfRange(model, off, off + n);
                assertThat(bytes(copy.get())).isEqualTo(expected);
                if (c.continueWithCopy()) {
                    mbuf_freem(head);
                    check(copy.get(), model, "copy after freeing the original");
                    return new Step(copy.get(), model);
                }
                mbuf_freem(copy.get());
                return new Step(head, model);
            }
            case Dup d -> {
                Ref<Mbuf> copy = new Ref<>();
                assertThat(mbuf_dup(head, MBUF_WAITOK, copy)).isZero();
                mbuf_freem(head);
                return new Step(copy.get(), model);
            }
            case ShrinkLast s -> {
                Mbuf last = head;
                while (mbuf_next(last) != null) {
                    last = mbuf_next(last);
                }
                long cut = mbuf_len(last) * s.permille() / 1000;
                mbuf_setlen(last, mbuf_len(last) - cut);
                mbuf_pkthdr_setlen(head, len - cut);
                return new Step(head, Arrays.copyOf(model, (int) (len - cut)));
            }
        }
    }

    private static void check(Mbuf head, byte[] model, String after) {
        assertThat(mbuf_flags(head) & MBUF_PKTHDR).as("packet header after %s", after).isEqualTo(MBUF_PKTHDR);
        assertThat(mbuf_pkthdr_len(head)).as("pkthdr.len after %s", after).isEqualTo(model.length);
        long sum = 0;
        for (Mbuf m = head; m != null; m = mbuf_next(m)) {
            assertThat(mbuf_data(m).byteSize()).as("data within buffer after %s", after).isGreaterThanOrEqualTo(mbuf_len(m));
            assertThat(mbuf_leadingspace(m) + mbuf_len(m) + mbuf_trailingspace(m)).isLessThanOrEqualTo(mbuf_maxlen(m));
            sum += mbuf_len(m);
        }
        assertThat(sum).as("sum of mbuf_len after %s", after).isEqualTo(model.length);
        assertThat(bytes(head)).as("content after %s", after).isEqualTo(model);
    }

    static byte[] bytes(Mbuf head) {
        long total = MbufChains.length(head);
        assertThat(total).isNotNegative();
        byte[] out = new byte[(int) total];
        assertThat(mbuf_copydata(head, 0, total, MemorySegment.ofArray(out))).isZero();
        // And the same bytes read mbuf by mbuf through mbuf_data, as a kext would.
        ByteArrayOutputStream direct = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            for (Mbuf m = head; m != null; m = mbuf_next(m)) {
                direct.writeBytes(mbuf_data(m).asSlice(0, mbuf_len(m)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
            assertThat(arena).isNotNull();
        }
        assertThat(direct.toByteArray()).isEqualTo(out);
        return out;
    }
}
