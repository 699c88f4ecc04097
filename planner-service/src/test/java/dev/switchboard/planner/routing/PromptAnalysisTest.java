package dev.switchboard.planner.routing;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptAnalysisTest {

    private static PromptAnalysis of(String user) {
        return PromptAnalysis.of(List.of(Messages.of(ChatRole.SYSTEM, "You are helpful."), Messages.of(ChatRole.USER, user)));
    }

    @Test
    void everyTaskTypeTheAnalysisGivesIsOneTheCliAccepts() {
        List<String> prompts = List.of("Write a Python function to reverse a linked list.", "Which gas?\nA. O2\nB. CO2\nAnswer:",
                "What is 17 * 23?", "Translate 'hi' into French.", "Summarize this: ...", "Extract the names as JSON.",
                "when did it start", "Hello there");

        assertThat(prompts.stream().map(p -> of(p).taskType()).distinct())
                .containsExactlyInAnyOrderElementsOf(dev.switchboard.platform.TaskTypes.ALL);
    }

    @Test
    void recognisesTheCommonKindsOfTask() {
        assertThat(of("Write a Python function to reverse a linked list.").taskType()).isEqualTo("code");
        assertThat(of("def add(a, b):\n    return a + b\nWhy does this fail?").taskType()).isEqualTo("code");
        assertThat(of("Which gas do plants absorb?\nA. Oxygen\nB. Carbon dioxide\nC. Helium\nD. Neon\nAnswer:").taskType())
                .isEqualTo("multiple_choice");
        assertThat(of("Natalia sold 48 clips in April and half as many in May. How many clips did she sell?").taskType())
                .isEqualTo("math");
        assertThat(of("Translate 'good morning' into French.").taskType()).isEqualTo("translation");
        assertThat(of("Summarize the following article in two sentences: ...").taskType()).isEqualTo("summarization");
        assertThat(of("Extract the names and dates as JSON.").taskType()).isEqualTo("extraction");
        assertThat(of("when did season 7 of the walking dead start").taskType()).isEqualTo("question");
        assertThat(of("Tell me about your day").taskType()).isEqualTo("chat");
    }

    @Test
    void thePromptIsTheUserTextAndTheScriptIsDetected() {
        PromptAnalysis a = of("東京の天気は?");

        assertThat(a.prompt()).isEqualTo("東京の天気は?");
        assertThat(a.script()).isEqualTo("cjk");
        assertThat(of("Hello there").script()).isEqualTo("latin");
        assertThat(of("Привет, как дела").script()).isEqualTo("cyrillic");
    }

    @Test
    void namesTheToolsAPromptImplies() {
        assertThat(of("What is the latest news about the Mars mission?").impliedTools()).containsExactly("web_search");
        assertThat(of("What is 123456 * 7890?").impliedTools()).containsExactly("calculator");
        assertThat(of("Schedule a meeting with Ana and send an email to Bo").impliedTools()).containsExactly("email", "calendar");
        assertThat(of("What's the weather in Lisbon tomorrow?").impliedTools()).containsExactly("weather");
        assertThat(of("Explain photosynthesis").impliedTools()).isEmpty();
    }

    @Test
    void flagsCodeAndMathematics() {
        PromptAnalysis a = of("Solve $x^2 = 4$ and write a function that checks it.");

        assertThat(a.math()).isTrue();
        assertThat(a.code()).isTrue();
        assertThat(of("Tell me a story").math()).isFalse();
    }

    @Test
    void aCodeRequestIsRecognisedInOtherLanguagesByTheProgrammingLanguageItNames() {
        assertThat(of("Schreibe eine Python-Funktion, die 2+2 berechnet.").taskType()).isEqualTo("code");
        assertThat(of("Écris une fonction Python qui inverse une liste.").taskType()).isEqualTo("code");
        assertThat(of("Escribe una función en Python que invierta una lista.").code()).isTrue();
        assertThat(of("Scrivi una query SQL che conta gli ordini.").taskType()).isEqualTo("code");
        assertThat(of("Napisz program w C++ który sortuje liczby.").taskType()).isEqualTo("code");
        assertThat(of("Java is an island of Indonesia. What is its capital?").code()).isFalse();
        assertThat(of("Schreibe ein Gedicht über Python-Schlangen.").code()).isFalse();
    }
}
