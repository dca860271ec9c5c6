/**
 * S3-compatible, AWS and Azure Blob backends (DESIGN.md §7). Not implemented yet: the module
 * builds so that the reactor and the dependency direction are in place.
 */
package dev.stowage.s3;
