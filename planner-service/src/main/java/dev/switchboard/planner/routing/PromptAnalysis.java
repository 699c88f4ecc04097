package dev.switchboard.planner.routing;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The heuristic analysis every request gets before it is ranked: its kind of task (code, math,
 * multiple choice, extraction, summarisation, translation, question, chat), whether it carries code
 * or mathematics, its script, the tools it implies (web_search for current events, calculator,
 * code_interpreter, ...), and its prompt: the user text the learner embeds.
 */
public record PromptAnalysis(String taskType, boolean code, boolean math, String script, List<String> impliedTools,
                             String prompt) {

    public PromptAnalysis {
        impliedTools = List.copyOf(impliedTools);
    }

    /** This analysis with another task type (as a planning model sees it). */
    public PromptAnalysis withTaskType(String type) {
        return new PromptAnalysis(type, code, math, script, impliedTools, prompt);
    }

    /** Phrases that imply a tool, in order: the first match of each tool counts. */
    private static final List<Map.Entry<String, Pattern>> TOOL_CUES = List.of(
            Map.entry("web_search", Pattern.compile(
                    "(?i)\\b(latest|today|tonight|this week|current(ly)?|right now|breaking|news|(stock|share) price|search the web|look up online)\\b")),
            Map.entry("calculator", Pattern.compile("\\d{4,}\\s*[-+*/×÷^]\\s*\\d{3,}|(?i)\\b(square root of \\d{4,}|to \\d+ decimal places)\\b")),
            Map.entry("code_interpreter", Pattern.compile("(?i)\\b(run|execute) (this|the|my) (code|script|program)\\b|\\bplot (a|the) (chart|graph)\\b")),
            Map.entry("weather", Pattern.compile("(?i)\\b(weather|forecast|temperature) (in|for|at|today|tomorrow)\\b")),
            Map.entry("email", Pattern.compile("(?i)\\b(send|write and send) (an? )?e-?mail\\b")),
            Map.entry("calendar", Pattern.compile("(?i)\\b(book|schedule|add) (a |an )?(meeting|appointment|event|call)\\b")));

    private static final Pattern CODE = Pattern.compile(
            "```|\\bdef \\w+\\(|\\bfunction\\b|\\bclass \\w+|#include|\\bimport \\w+|\\breturn\\b|;\\s*$|=>|\\bpublic static\\b",
            Pattern.MULTILINE);
    private static final Pattern CODE_ASK = Pattern.compile(
            "(?i)\\b(write|implement|fix|debug|refactor) (a |an |the )?(python |java |javascript |sql )?(function|program|script|code|method|class|query)\\b");
    private static final String LANGUAGES = "python|java|javascript|typescript|kotlin|rust|golang|ruby|php|sql|bash|c\\+\\+|c#";
    private static final String CODE_WORDS = "function|funktion|fonction|función|funcion|funzione|função|funcao|script|skript|"
            + "program|programm|programme|programa|programma|code|kode|código|codice|class|klasse|classe|clase|query|abfrage|requête|consulta";
    /** A programming language named beside a word for code, either way round, in several languages ("Python-Funktion", "función en Python"). */
    private static final Pattern CODE_NAMED = Pattern.compile(
            "(?<!\\w)(" + LANGUAGES + ")[- ](" + CODE_WORDS + ")(?!\\w)|(?<!\\w)(" + CODE_WORDS + ")( en| in| em| di| w)? (" + LANGUAGES + ")(?!\\w)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern MATH = Pattern.compile(
            "\\$[^$]+\\$|\\\\frac|\\\\sqrt|\\b\\d+\\s*[-+*/^×÷]\\s*\\d+|(?i)\\b(solve|equation|integral|derivative|how many|how much|calculate|compute)\\b");
    private static final Pattern CHOICES = Pattern.compile("(?m)^\\s*\\(?[A-Ea-e][).:]\\s+\\S|(?i)\\banswer choices\\b|(?i)\\boptions?:");
    private static final Pattern TRANSLATE = Pattern.compile("(?i)\\btranslate\\b|\\binto (english|french|german|spanish|chinese|japanese)\\b");
    private static final Pattern SUMMARISE = Pattern.compile("(?i)\\b(summari[sz]e|summary|tl;?dr)\\b");
    private static final Pattern EXTRACT = Pattern.compile("(?i)\\b(extract|as json|in json|json object|fill in the fields)\\b");

    public static PromptAnalysis of(List<ChatMessage> messages) {
        String prompt = promptOf(messages);
        boolean asksForCode = CODE_ASK.matcher(prompt).find() || CODE_NAMED.matcher(prompt).find();
        boolean code = asksForCode || CODE.matcher(prompt).find();
        boolean math = MATH.matcher(prompt).find();
        String type;
        if (asksForCode || (code && !CHOICES.matcher(prompt).find())) {
            type = "code";
        } else if (TRANSLATE.matcher(prompt).find()) {
            type = "translation";
        } else if (SUMMARISE.matcher(prompt).find()) {
            type = "summarization";
        } else if (EXTRACT.matcher(prompt).find()) {
            type = "extraction";
        } else if (CHOICES.matcher(prompt).find()) {
            type = "multiple_choice";
        } else if (math) {
            type = "math";
        } else if (prompt.strip().endsWith("?") || prompt.toLowerCase(Locale.ROOT).matches("(?s)^(who|what|when|where|which|why|how)\\b.*")) {
            type = "question";
        } else {
            type = "chat";
        }
        List<String> tools = new java.util.ArrayList<>();
        for (Map.Entry<String, Pattern> cue : TOOL_CUES) {
            if (cue.getValue().matcher(prompt).find()) {
                tools.add(cue.getKey());
            }
        }
        return new PromptAnalysis(type, code, math, script(prompt), tools, prompt);
    }

    /**
     * The text a request is analysed and embedded by: its user messages, one a line (a system
     * prompt, such as a prompt variant's, is not part of it); the last message when none is a user's.
     */
    public static String promptOf(List<ChatMessage> messages) {
        StringBuilder user = new StringBuilder();
        for (ChatMessage m : messages) {
            if (m.getRole() == ChatRole.USER) {
                if (!user.isEmpty()) {
                    user.append('\n');
                }
                user.append(m.getContent());
            }
        }
        return user.isEmpty() && !messages.isEmpty() ? messages.getLast().getContent() : user.toString();
    }

    /** The dominant writing system of the text: latin, cyrillic, cjk, arabic, other. */
    static String script(String text) {
        int latin = 0, cyrillic = 0, cjk = 0, arabic = 0, other = 0;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (!Character.isLetter(c)) {
                continue;
            }
            Character.UnicodeScript s = Character.UnicodeScript.of(c);
            switch (s) {
                case LATIN -> latin++;
                case CYRILLIC -> cyrillic++;
                case HAN, HIRAGANA, KATAKANA, HANGUL -> cjk++;
                case ARABIC -> arabic++;
                default -> other++;
            }
        }
        int max = Math.max(Math.max(latin, cyrillic), Math.max(Math.max(cjk, arabic), other));
        if (max == 0) {
            return "none";
        }
        return max == latin ? "latin" : max == cjk ? "cjk" : max == cyrillic ? "cyrillic" : max == arabic ? "arabic" : "other";
    }
}
