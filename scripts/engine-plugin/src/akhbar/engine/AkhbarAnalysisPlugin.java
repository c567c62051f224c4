package akhbar.engine;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.miscellaneous.LengthFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceFilter;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

import java.io.Reader;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of Elasticsearch's analysis-common module that Akhbar's Arabic analyzer uses, for the
 * local test engine only.
 *
 * <p>The only Elasticsearch server published to the package registries we can reach is the
 * "integ-test-zip" distribution, which ships without analysis-common. Every production
 * Elasticsearch (the Docker image, Elastic Cloud, the default tarball) has that module, with these
 * same component names and settings. So Akhbar's index settings name stock components
 * ({@code mapping}, {@code pattern}, {@code decimal_digit}, {@code arabic_normalization},
 * {@code arabic_stem}, {@code length}, {@code pattern_replace}, and the {@code arabic} analyzer,
 * which the benchmarks use as the stock baseline) and this plugin provides
 * them, as thin wrappers around the Lucene classes that are already in the server's lib/ directory,
 * so tests exercise exactly the mapping production uses.
 *
 * <p>Only the settings Akhbar uses are supported; anything else is rejected loudly.
 */
public final class AkhbarAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        // Like analysis-common: only built from an index's own settings, never as a default instance.
        return Map.of("mapping", AnalysisPlugin.requiresAnalysisSettings(
            (indexSettings, env, name, settings) -> new MappingFactory(name, settings)));
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("pattern", (indexSettings, env, name, settings) -> {
            Pattern pattern = Pattern.compile(settings.get("pattern", "\\W+"));
            int group = settings.getAsInt("group", -1);
            return TokenizerFactory.newFactory(name, () -> new PatternTokenizer(pattern, group));
        });
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "decimal_digit", (i, e, name, s) -> new Normalizing(name, s, DecimalDigitFilter::new),
            "arabic_normalization", (i, e, name, s) -> new Normalizing(name, s, ArabicNormalizationFilter::new),
            "arabic_stem", (i, e, name, s) -> new Simple(name, s, ArabicStemFilter::new),
            "length", (i, e, name, s) -> {
                int min = s.getAsInt("min", 0);
                int max = s.getAsInt("max", Integer.MAX_VALUE);
                return new Simple(name, s, in -> new LengthFilter(in, min, max));
            },
            // pattern (required), replacement (default empty), all (default true): analysis-common's settings.
            "pattern_replace", AnalysisPlugin.requiresAnalysisSettings((i, e, name, s) -> {
                String regex = s.get("pattern");
                if (regex == null) {
                    throw new IllegalArgumentException("pattern_replace requires `pattern` to be configured");
                }
                Pattern pattern = Pattern.compile(regex);
                String replacement = s.get("replacement", "");
                boolean all = s.getAsBoolean("all", true);
                return new Simple(name, s, in -> new PatternReplaceFilter(in, pattern, replacement, all));
            })
        );
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of("arabic", (i, e, name, s) -> new ArabicProvider(name, s));
    }

    /** A filter that only rewrites characters, so it is also usable in normalizers and queries. */
    private static final class Normalizing extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        private final UnaryOperator<TokenStream> wrap;

        Normalizing(String name, Settings settings, UnaryOperator<TokenStream> wrap) {
            super(name, settings);
            this.wrap = wrap;
        }

        @Override
        public TokenStream create(TokenStream in) {
            return wrap.apply(in);
        }
    }

    private static final class Simple extends AbstractTokenFilterFactory {
        private final UnaryOperator<TokenStream> wrap;

        Simple(String name, Settings settings, UnaryOperator<TokenStream> wrap) {
            super(name, settings);
            this.wrap = wrap;
        }

        @Override
        public TokenStream create(TokenStream in) {
            return wrap.apply(in);
        }
    }

    /** {@code mappings: ["a => b", ...]}; the right-hand side may be empty (delete). */
    private static final class MappingFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private static final Pattern RULE = Pattern.compile("^(.+?)\\s*=>\\s*(.*?)\\s*$", Pattern.DOTALL);
        private final NormalizeCharMap map;

        MappingFactory(String name, Settings settings) {
            super(name);
            List<String> rules = settings.getAsList("mappings");
            if (rules.isEmpty()) {
                throw new IllegalArgumentException("mapping requires `mappings` to be configured");
            }
            NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
            for (String rule : rules) {
                Matcher m = RULE.matcher(rule);
                if (!m.matches()) {
                    throw new IllegalArgumentException("invalid mapping rule: [" + rule + "]");
                }
                builder.add(m.group(1).strip(), m.group(2));
            }
            map = builder.build();
        }

        @Override
        public Reader create(Reader reader) {
            return new MappingCharFilter(map, reader);
        }
    }

    private static final class ArabicProvider extends AbstractIndexAnalyzerProvider<ArabicAnalyzer> {
        private final ArabicAnalyzer analyzer = new ArabicAnalyzer();

        ArabicProvider(String name, Settings settings) {
            super(name, settings);
        }

        @Override
        public ArabicAnalyzer get() {
            return analyzer;
        }
    }
}
