package framework

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Plugins lists the enabled plugins of a profile per extension point, in
// the order they run.
type Plugins struct {
	PreFilter  []string
	Filter     []string
	PostFilter []string
	PreScore   []string
	Score      []string
	Reserve    []string
	Permit     []string
	PreBind    []string
	Bind       []string
	PostBind   []string
}

// Config describes one scheduling profile.
type Config struct {
	// ProfileName is the schedulerName pods select the profile by;
	// "default-scheduler" when empty.
	ProfileName string
	Plugins     Plugins
	// ScoreWeights are the weights of Score plugins; 1 when absent. A
	// weight must be positive.
	ScoreWeights map[string]int64
	// PluginArgs are passed to the factories by plugin name; nil means
	// the plugin's defaults.
	PluginArgs map[string]any
	// ClientSet is handed to plugins through Handle; may be nil in tests.
	ClientSet kubernetes.Interface
	// Parallelism is how many nodes are filtered or scored at once;
	// DefaultParallelism when zero.
	Parallelism int
	// Clock times extension points and plugins for metrics; the real
	// clock when nil.
	Clock clock.PassiveClock
	// Snapshot is the lister plugins read nodes from; the scheduling loop
	// refreshes what it returns every cycle. May be nil in tests.
	Snapshot NodeInfoLister
}

// DefaultProfileName is the profile pods get when they name no scheduler.
const DefaultProfileName = "default-scheduler"

// Framework runs the plugins of one profile. It is built once and used for
// every cycle; its Run methods are safe for concurrent use as far as the
// plugins are.
type Framework struct {
	profileName string
	clock       clock.PassiveClock
	parallelism int
	clientSet   kubernetes.Interface
	snapshot    NodeInfoLister

	plugins      map[string]Plugin
	preFilter    []PreFilterPlugin
	filter       []FilterPlugin
	postFilter   []PostFilterPlugin
	preScore     []PreScorePlugin
	score        []ScorePlugin
	scoreWeights map[string]int64
	reserve      []ReservePlugin
	permit       []PermitPlugin
	preBind      []PreBindPlugin
	bind         []BindPlugin
	postBind     []PostBindPlugin
}

var _ Handle = (*Framework)(nil)

// New builds each plugin named in cfg once with its factory from r, and
// checks that it implements every extension point it is enabled at.
func New(ctx context.Context, r Registry, cfg Config) (*Framework, error) {
	f := &Framework{
		profileName:  cfg.ProfileName,
		clock:        cfg.Clock,
		clientSet:    cfg.ClientSet,
		snapshot:     cfg.Snapshot,
		plugins:      map[string]Plugin{},
		scoreWeights: map[string]int64{},
	}
	f.parallelism = cfg.Parallelism
	if f.parallelism <= 0 {
		f.parallelism = DefaultParallelism
	}
	if f.clock == nil {
		f.clock = clock.RealClock{}
	}
	if f.profileName == "" {
		f.profileName = DefaultProfileName
	}
	p := cfg.Plugins
	var errs []error
	for _, names := range [][]string{p.PreFilter, p.Filter, p.PostFilter, p.PreScore, p.Score, p.Reserve, p.Permit, p.PreBind, p.Bind, p.PostBind} {
		for _, name := range names {
			if _, ok := f.plugins[name]; ok {
				continue
			}
			factory, ok := r[name]
			if !ok {
				errs = append(errs, fmt.Errorf("plugin %q is not registered", name))
				continue
			}
			pl, err := factory(ctx, cfg.PluginArgs[name], f)
			if err != nil {
				errs = append(errs, fmt.Errorf("build plugin %q: %w", name, err))
				continue
			}
			f.plugins[name] = pl
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("profile %q: %w", f.profileName, errors.Join(errs...))
	}
	var err error
	if f.preFilter, err = pick[PreFilterPlugin](f.plugins, "PreFilter", p.PreFilter); err != nil {
		errs = append(errs, err)
	}
	if f.filter, err = pick[FilterPlugin](f.plugins, "Filter", p.Filter); err != nil {
		errs = append(errs, err)
	}
	if f.postFilter, err = pick[PostFilterPlugin](f.plugins, "PostFilter", p.PostFilter); err != nil {
		errs = append(errs, err)
	}
	if f.preScore, err = pick[PreScorePlugin](f.plugins, "PreScore", p.PreScore); err != nil {
		errs = append(errs, err)
	}
	if f.score, err = pick[ScorePlugin](f.plugins, "Score", p.Score); err != nil {
		errs = append(errs, err)
	}
	if f.reserve, err = pick[ReservePlugin](f.plugins, "Reserve", p.Reserve); err != nil {
		errs = append(errs, err)
	}
	if f.permit, err = pick[PermitPlugin](f.plugins, "Permit", p.Permit); err != nil {
		errs = append(errs, err)
	}
	if f.preBind, err = pick[PreBindPlugin](f.plugins, "PreBind", p.PreBind); err != nil {
		errs = append(errs, err)
	}
	if f.bind, err = pick[BindPlugin](f.plugins, "Bind", p.Bind); err != nil {
		errs = append(errs, err)
	}
	if f.postBind, err = pick[PostBindPlugin](f.plugins, "PostBind", p.PostBind); err != nil {
		errs = append(errs, err)
	}
	for _, name := range p.Score {
		w, ok := cfg.ScoreWeights[name]
		if !ok {
			w = 1
		}
		if w <= 0 {
			errs = append(errs, fmt.Errorf("score plugin %q: weight %d must be positive", name, w))
		}
		f.scoreWeights[name] = w
	}
	for name := range cfg.ScoreWeights {
		if !slices.Contains(p.Score, name) {
			errs = append(errs, fmt.Errorf("weight given for %q, which is not an enabled score plugin", name))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("profile %q: %w", f.profileName, errors.Join(errs...))
	}
	return f, nil
}

// pick returns the plugins named in names as T, in order.
func pick[T Plugin](all map[string]Plugin, point string, names []string) ([]T, error) {
	out := make([]T, 0, len(names))
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			return nil, fmt.Errorf("plugin %q enabled twice at %s", name, point)
		}
		seen[name] = true
		pl, ok := all[name].(T)
		if !ok {
			return nil, fmt.Errorf("plugin %q does not implement %s", name, point)
		}
		out = append(out, pl)
	}
	return out, nil
}

// ProfileName returns the profile's scheduler name.
func (f *Framework) ProfileName() string { return f.profileName }

// SnapshotSharedLister implements Handle.
func (f *Framework) SnapshotSharedLister() NodeInfoLister { return f.snapshot }

// ClientSet implements Handle.
func (f *Framework) ClientSet() kubernetes.Interface { return f.clientSet }

// HasFilterPlugins reports whether any Filter plugin is enabled.
func (f *Framework) HasFilterPlugins() bool { return len(f.filter) > 0 }

// HasScorePlugins reports whether any Score plugin is enabled.
func (f *Framework) HasScorePlugins() bool { return len(f.score) > 0 }

// HasPostFilterPlugins reports whether any PostFilter plugin is enabled.
func (f *Framework) HasPostFilterPlugins() bool { return len(f.postFilter) > 0 }

// EnqueueExtensions returns the enabled plugins that implement
// EnqueueExtensions, sorted by name.
func (f *Framework) EnqueueExtensions() []EnqueueExtensions {
	var out []EnqueueExtensions
	for _, pl := range f.plugins {
		if e, ok := pl.(EnqueueExtensions); ok {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b EnqueueExtensions) int { return cmp.Compare(a.Name(), b.Name()) })
	return out
}
