package io.orchion.runtime.ollama.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.InvalidArgumentException;

/**
 * A job's {@code ollama} section (the job-spec schema's {@code $defs/ollama}), checked again here
 * since a runtime may be handed settings that never passed the schema.
 *
 * @param model     a model name as Ollama writes it
 * @param mode      generate, chat or embed
 * @param prompt    for generate
 * @param system    a system prompt (for chat it becomes the first message)
 * @param messages  for chat: maps with role and content
 * @param input     for embed: the texts
 * @param options   model options, passed as they are
 * @param keepAlive how long Ollama keeps the model loaded (a duration text or seconds); null for Ollama's default
 * @param pull      whether a missing model is pulled
 */
record OllamaJob(String model, String mode, String prompt, String system, List<Map<String, Object>> messages,
        List<String> input, Map<String, Object> options, Object keepAlive, boolean pull) {
    private static final Set<String> KEYS = Set.of("model", "mode", "prompt", "system", "messages", "input", "options",
            "keepAlive", "pull");
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    @SuppressWarnings("unchecked")
    static OllamaJob parse(Map<String, Object> s) {
        List<String> problems = new ArrayList<>();
        for (String key : s.keySet()) {
            if (!KEYS.contains(key)) {
                problems.add("ollama." + key + ": unknown field");
            }
        }
        String model = string(s, "model", problems);
        if (model == null || model.isBlank()) {
            problems.add("ollama.model: required, e.g. llama3.2:1b");
        }
        String mode = s.get("mode") == null ? "generate" : String.valueOf(s.get("mode"));
        if (!Set.of("generate", "chat", "embed").contains(mode)) {
            problems.add("ollama.mode: must be generate, chat or embed, not '" + mode + "'");
        }
        String prompt = string(s, "prompt", problems);
        String system = string(s, "system", problems);
        Object keepAlive = s.get("keepAlive");
        if (keepAlive != null && !(keepAlive instanceof String) && !(keepAlive instanceof Number)) {
            problems.add("ollama.keepAlive: must be a duration such as 5m, or a number of seconds");
        }
        String pull = s.get("pull") == null ? "missing" : String.valueOf(s.get("pull"));
        if (!pull.equals("missing") && !pull.equals("never")) {
            problems.add("ollama.pull: must be missing or never, not '" + pull + "'");
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        Object rawMessages = s.get("messages");
        if (rawMessages instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) instanceof Map<?, ?> m && m.get("role") != null && m.get("content") != null) {
                    if (!ROLES.contains(String.valueOf(m.get("role")))) {
                        problems.add("ollama.messages[" + i + "].role: must be system, user, assistant or tool");
                    }
                    messages.add((Map<String, Object>) m);
                } else {
                    problems.add("ollama.messages[" + i + "]: needs a role and a content");
                }
            }
        } else if (rawMessages != null) {
            problems.add("ollama.messages: must be a list of {role, content}");
        }
        List<String> input = new ArrayList<>();
        Object rawInput = s.get("input");
        if (rawInput instanceof List<?> list) {
            list.forEach(v -> input.add(String.valueOf(v)));
            if (list.isEmpty()) {
                problems.add("ollama.input: must hold at least one text");
            }
        } else if (rawInput != null) {
            input.add(String.valueOf(rawInput));
        }
        Object rawOptions = s.get("options");
        if (rawOptions != null && !(rawOptions instanceof Map)) {
            problems.add("ollama.options: must be a map of model options");
        }
        switch (mode) {
            case "chat" -> {
                if (messages.isEmpty() && rawMessages == null) {
                    problems.add("ollama.messages: required for mode chat");
                }
            }
            case "embed" -> {
                if (rawInput == null) {
                    problems.add("ollama.input: required for mode embed");
                }
            }
            default -> {
                if (prompt == null) {
                    problems.add("ollama.prompt: required for mode generate");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidArgumentException(problems.get(0).substring(0, problems.get(0).indexOf(':')), problems);
        }
        return new OllamaJob(model, mode, prompt, system, messages, input,
                rawOptions == null ? Map.of() : (Map<String, Object>) rawOptions, keepAlive, pull.equals("missing"));
    }

    private static String string(Map<String, Object> s, String key, List<String> problems) {
        Object v = s.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String str)) {
            problems.add("ollama." + key + ": must be a string");
            return null;
        }
        return str;
    }
}
