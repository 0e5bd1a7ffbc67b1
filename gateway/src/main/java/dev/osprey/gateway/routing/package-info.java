/**
 * Image affinity: every call about one image goes to the same encoder, extractor and llm replica
 * (rendezvous hashing on the image id), so that their caches hit on follow-up questions.
 */
package dev.osprey.gateway.routing;
