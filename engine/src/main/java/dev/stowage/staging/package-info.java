/**
 * Staged writes over any backend ({@link dev.stowage.staging.PayloadStaging}) and the sweeper that
 * discards abandoned ones. Staged payloads live at {@code <key>/.staging/<txn>}; listing finds them
 * at every depth of key nesting (DESIGN.md §10, defect 3).
 */
package dev.stowage.staging;
