/**
 * JMH benchmarks beside RocksDB, LMDB and Chronicle. Not implemented yet: the module builds so
 * that the reactor and the dependency direction are in place.
 */
package dev.stowage.bench;
