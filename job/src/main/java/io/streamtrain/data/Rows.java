package io.streamtrain.data;

/** A finite list of rows, each as the bytes of one Kafka message in the configured row format. */
public interface Rows {

    int size();

    /** Row {@code i}, {@code 0 <= i < size()}; a fresh array the caller may keep. */
    byte[] get(int i);

    /** No rows. */
    Rows EMPTY = new Rows() {
        @Override
        public int size() {
            return 0;
        }

        @Override
        public byte[] get(int i) {
            throw new IndexOutOfBoundsException(i);
        }
    };

    /** Rows held in memory. */
    static Rows of(java.util.List<byte[]> rows) {
        return new Rows() {
            @Override
            public int size() {
                return rows.size();
            }

            @Override
            public byte[] get(int i) {
                return rows.get(i);
            }
        };
    }
}
