package dev.osprey.gateway.openai;

import dev.osprey.api.v1.Role;
import dev.osprey.api.v1.Turn;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.rest.ChatRequests;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A completion request's messages as the native API asks: the last user message is the prompt, the
 * messages before it the history (user and assistant alternating, as the native API keeps a
 * conversation), and the one image_url the image. A message's text parts are joined by newlines;
 * regions are referred to as {@code <region1>}, ... in any user message.
 *
 * @param prompt  the question, the last message's text
 * @param history the earlier messages, oldest first
 * @param image   the image the conversation is about
 */
record Conversation(String prompt, List<Turn> history, ConversationImage image) {

    private static final String ALTERNATE = "messages alternate user and assistant, starting and ending with a user message";

    /** The conversation of {@code messages}, checked against {@code limits} (history turns, characters per message). */
    static Conversation of(List<CompletionBody.MessageBody> messages, AskLimits limits) {
        if (messages == null || messages.isEmpty()) {
            throw CompletionProblem.invalid("messages", "give at least one user message");
        }
        if (messages.size() - 1 > limits.maxHistoryTurns()) {
            throw CompletionProblem.invalid("messages", (messages.size() - 1) + " messages before the question, the limit is "
                    + limits.maxHistoryTurns());
        }
        Images images = new Images();
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String param = "messages[" + i + "]";
            CompletionBody.MessageBody message = messages.get(i);
            if (message == null) {
                throw CompletionProblem.invalid(param, "expected a message {\"role\": ..., \"content\": ...}, got null");
            }
            Role role = role(param + ".role", message.role(), i % 2 == 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT);
            String text = text(param + ".content", message.content(), role == Role.ROLE_USER ? images : null);
            if (text.length() > limits.maxPromptChars()) {
                throw CompletionProblem.invalid(param + ".content", text.length() + " characters, the limit is " + limits.maxPromptChars());
            }
            turns.add(Turn.newBuilder().setRole(role).setContent(text).build());
        }
        if (turns.getLast().getRole() != Role.ROLE_USER) {
            throw CompletionProblem.invalid("messages", "the last message must be the user's question: " + ALTERNATE);
        }
        if (images.first == null) {
            throw CompletionProblem.invalid("messages", "no image: give the image as an image_url part of a user message (a data URL,"
                    + " or osprey://images/{id} of an upload)");
        }
        return new Conversation(turns.getLast().getContent(), List.copyOf(turns.subList(0, turns.size() - 1)), images.first);
    }

    /** The image_url parts seen so far: the first is the image; any other must name the same one. */
    private static final class Images {
        private ConversationImage first;

        void add(String param, String url) {
            if (first == null) {
                first = new ConversationImage(url, param);
            } else if (!first.url().equals(url)) {
                throw CompletionProblem.unsupported(param, "a conversation is about one image, and this one differs from "
                        + first.param());
            }
        }
    }

    private static Role role(String param, String role, Role expected) {
        Role given = switch (role == null ? "" : role) {
            case "user" -> Role.ROLE_USER;
            case "assistant" -> Role.ROLE_ASSISTANT;
            case "system", "developer" -> throw CompletionProblem.unsupported(param, "'" + role + "' messages are not supported: Osprey's"
                    + " conversation template has a fixed system prompt; send user and assistant messages");
            case "tool", "function" -> throw CompletionProblem.unsupported(param, "'" + role + "' messages are not supported: there are"
                    + " no tools");
            case "" -> throw CompletionProblem.invalid(param, "missing; give user or assistant");
            default -> throw CompletionProblem.invalid(param, "'" + role + "' is not a role; give user or assistant");
        };
        if (given != expected) {
            throw CompletionProblem.invalid(param, "expected " + (expected == Role.ROLE_USER ? "user" : "assistant") + ": " + ALTERNATE);
        }
        return given;
    }

    /** A message's text: a string, or its text parts joined by newlines; {@code images} takes a user message's image_url parts. */
    private static String text(String param, JsonNode content, Images images) {
        if (content != null && content.isString()) {
            return ChatRequests.text(param, content.asString());
        }
        if (content == null || !content.isArray()) {
            throw CompletionProblem.invalid(param, "expected a string or a list of parts ({\"type\": \"text\", ...},"
                    + " {\"type\": \"image_url\", ...})");
        }
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            String part = param + "[" + j + "]";
            JsonNode type = content.get(j).get("type");
            switch (type != null && type.isString() ? type.asString() : "") {
                case "text" -> texts.add(ChatRequests.text(part + ".text", string(part + ".text", content.get(j).get("text"))));
                case "image_url" -> {
                    if (images == null) {
                        throw CompletionProblem.invalid(part, "images go in user messages");
                    }
                    JsonNode imageUrl = content.get(j).get("image_url");
                    images.add(part + ".image_url.url", string(part + ".image_url.url", imageUrl == null ? null : imageUrl.get("url")));
                }
                case "" -> throw CompletionProblem.invalid(part + ".type", "missing; give text or image_url");
                default -> throw CompletionProblem.unsupported(part + ".type", "'" + type.asString() + "' parts are not supported; give text"
                        + " or image_url");
            }
        }
        return String.join("\n", texts);
    }

    private static String string(String param, JsonNode value) {
        if (value == null || !value.isString()) {
            throw CompletionProblem.invalid(param, "expected a string");
        }
        return value.asString();
    }
}
