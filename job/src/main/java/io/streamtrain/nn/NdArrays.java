package io.streamtrain.nn;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between Java arrays and the memory of dense ND4J arrays, one native copy each.
 *
 * <p>Written against the array's host pointer because ND4J's own {@code DataBuffer.setData}
 * copies whole buffers only, and per-element {@code putScalar} costs a native call per element.
 * The target arrays are always freshly allocated, 'c'-ordered and not views.
 *
 * <p>On ND4J's CUDA backend an array has a host and a device copy, and ND4J tracks which one is
 * current: before touching the host copy it must be allocated and current ({@code ensureLocation}),
 * and after writing it ND4J must be told ({@code tagLocation}), or the next kernel reads the stale
 * device copy. On the CPU backend both calls do nothing.
 */
final class NdArrays {
    private NdArrays() {}

    private static void beforeHostAccess(INDArray array) {
        Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
    }

    private static void afterHostWrite(INDArray array) {
        Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
    }

    static void put(INDArray dst, float[] src, int srcOffset, int length, double[] scratch) {
        beforeHostAccess(dst);
        if (dst.dataType() == DataType.FLOAT) {
            ((FloatPointer) dst.data().addressPointer()).put(src, srcOffset, length);
        } else {
            for (int i = 0; i < length; i++) {
                scratch[i] = src[srcOffset + i];
            }
            ((DoublePointer) dst.data().addressPointer()).put(scratch, 0, length);
        }
        afterHostWrite(dst);
    }

    static void put(INDArray dst, double[] src, int length, float[] scratch) {
        beforeHostAccess(dst);
        if (dst.dataType() == DataType.FLOAT) {
            for (int i = 0; i < length; i++) {
                scratch[i] = (float) src[i];
            }
            ((FloatPointer) dst.data().addressPointer()).put(scratch, 0, length);
        } else {
            ((DoublePointer) dst.data().addressPointer()).put(src, 0, length);
        }
        afterHostWrite(dst);
    }

    static void get(INDArray src, double[] dst, int length, float[] scratch) {
        beforeHostAccess(src);
        if (src.dataType() == DataType.FLOAT) {
            ((FloatPointer) src.data().addressPointer()).get(scratch, 0, length);
            for (int i = 0; i < length; i++) {
                dst[i] = scratch[i];
            }
        } else {
            ((DoublePointer) src.data().addressPointer()).get(dst, 0, length);
        }
    }

    static void get(INDArray src, float[] dst, int length, double[] scratch) {
        beforeHostAccess(src);
        if (src.dataType() == DataType.FLOAT) {
            ((FloatPointer) src.data().addressPointer()).get(dst, 0, length);
        } else {
            ((DoublePointer) src.data().addressPointer()).get(scratch, 0, length);
            for (int i = 0; i < length; i++) {
                dst[i] = (float) scratch[i];
            }
        }
    }
}
