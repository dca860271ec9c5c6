/**
 * AWS S3 through the default credential and region chains ({@code aws://bucket/prefix}); the
 * implementation is {@link dev.stowage.s3.S3Backend}. Tests against the real service run only
 * when credentials and a test bucket are in the environment ({@code AwsBackendTest}).
 */
package dev.stowage.aws;
