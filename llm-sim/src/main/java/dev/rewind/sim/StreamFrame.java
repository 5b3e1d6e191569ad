package dev.rewind.sim;

/** One write of a simulated response body; {@code token} frames are paced at the configured token rate. */
record StreamFrame(byte[] bytes, boolean token) {}
