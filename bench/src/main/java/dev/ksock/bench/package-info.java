/** JMH benchmarks: ksock beside its peers, in the same run. */
package dev.ksock.bench;
