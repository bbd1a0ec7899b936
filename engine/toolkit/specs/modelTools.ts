// The contracts of ContextLab's model-backed tools (its names, actions, parameters and the result
// fields its pipelines read). Pure data: the language server bundles it.
import type { ActionSpec, ParamSpec, ToolSpec } from '../toolSpec';

const str = (description: string, required = false): ParamSpec => ({ type: 'string', description, ...(required ? { required: true } : {}) });

export const promptOptimizationSpec: ToolSpec = {
  name: 'prompt-optimization',
  description: 'Rewrites a prompt for a target model and goals (clarity, brevity, specificity, model_specific) through a model call.',
  actions: {
    execute: {
      description: 'Asks a model to optimize the prompt and reports what changed, with token estimates.',
      usesModel: true,
      parameters: {
        prompt: str('The prompt to optimize.', true),
        model: str('`provider:model` the prompt is meant for (the call itself runs on the step\'s model, or on this one when the step has none).'),
        optimization_goals: { type: ['array', 'string'], description: 'Goals, any of `clarity`, `brevity`, `specificity`, `model_specific` or your own words (default `[clarity, model_specific]`).', default: ['clarity', 'model_specific'] },
        optimization_goal: str('One more goal, in your own words (e.g. `artistic_quality`).'),
        task: str('What the prompt is for (e.g. `image-generation`), told to the optimizing model.'),
        include_style_suggestions: { type: 'boolean', description: 'Ask for style suggestions among the recommendations (default false).', default: false },
        max_tokens: { type: 'integer', description: 'Largest optimized prompt, in estimated tokens (4 characters each): a longer one is shortened.' },
        preserve_intent: { type: 'boolean', description: 'Keep the prompt\'s meaning; when shortening, keep its beginning and end (default true).', default: true },
      },
      result: {
        original_prompt: 'The prompt as given.',
        optimized_prompt: 'The optimized prompt.',
        model: 'The target model (`model`), else the model that optimized it.',
        applied_optimizations: 'The goals the rewrite applied, and `truncation` when it was shortened.',
        metrics: '`{original_tokens, optimized_tokens, token_reduction, reduction_percentage}` (estimates: 4 characters a token).',
        recommendations: 'Further advice from the model, as a list of sentences.',
      },
    },
  },
};

export const taskDelegationSpec: ToolSpec = {
  name: 'task-delegation',
  description: 'Analyzes a task with a model call, then scores the registry\'s configured models for it and picks the best.',
  actions: {
    execute: {
      description: 'Analyzes the task (type, complexity, needed capabilities) and selects a model from the registry.',
      usesModel: true,
      parameters: {
        task: str('The task to delegate.', true),
        requirements: { type: 'object', description: 'Overrides of the analysis: `task_type`, `complexity` (simple, moderate, complex), `capabilities` (list), `max_tokens`, `domain`.' },
        fallback_enabled: { type: 'boolean', description: 'List the next best models as `fallback_models` (default true).', default: true },
        cost_weight: { type: 'number', description: 'Weight of low cost in the score, 0 to 1 (default 0.3).', default: 0.3 },
        quality_weight: { type: 'number', description: 'Weight of fit for the task in the score, 0 to 1 (default 0.7).', default: 0.7 },
      },
      result: {
        selected_model: 'The best model, `provider:model`.',
        score: 'Its score, 0 to 100.',
        reasons: 'Why it scored so, as a list of sentences.',
        estimated_cost: 'Estimated USD for the task on it (registry prices).',
        estimated_latency: 'Always null: the registry has no latency data.',
        task_analysis: '`{task_type, complexity, required_capabilities, max_tokens, response_format, language, domain}`.',
        fallback_models: 'The next best models (up to 3), when `fallback_enabled`.',
        all_scores: 'The top 5 as `{model, score, reasons}`.',
      },
    },
  },
};

const routeParams: Record<string, ParamSpec> = {
  tasks: { type: 'array', required: true, description: 'The tasks: text, or `{task, context}`.' },
  routing_strategy: { type: 'string', description: '`cost`, `quality`, `balanced` or `speed` (also `cost_optimized`, `quality_optimized`; default balanced).', default: 'balanced' },
  constraints: { type: 'object', description: '`total_budget` in USD (default 100) for `route`; `max_budget_per_task` in USD (default 0.05) for `optimize_batch`.' },
};
const routeResult = {
  recommendations: 'One per task, in order: `{task_index, model, estimated_cost, estimated_latency, reasons}`.',
  total_estimated_cost: 'Sum of the estimated costs, USD.',
  models_selected: 'The distinct models recommended.',
  routing_strategy: 'The strategy as given.',
  tasks_count: 'Number of tasks.',
};
const batchParams: Record<string, ParamSpec> = {
  tasks: { type: 'array', required: true, description: 'The prompts to run, as text.' },
  optimization_goal: { type: 'string', description: '`minimize_cost`, `balanced` or `maximize_quality` (default minimize_cost).', default: 'minimize_cost' },
  constraints: { type: 'object', description: '`max_budget_per_task` in USD (default 0.05): models whose estimate exceeds it are not used.' },
  max_tokens: { type: 'integer', description: 'Largest answer per task, in tokens (default 500).', default: 500 },
};
const batchResult = {
  results: 'The answers, one per task, in order.',
  total_cost: 'USD spent (registry prices of the tokens used).',
  average_cost: 'USD per task.',
  models_used: 'The model that ran the tasks, as a list.',
  strategy: 'The optimization goal.',
  optimization_goal: 'The optimization goal.',
  task_count: 'Number of tasks.',
};
const singleResult = {
  selected_model: 'The model the request should go to.',
  routing_reason: 'Why, in words.',
  strategy: 'The strategy used.',
  current_load: 'Requests routed to the selected model by this tool in this process, this one included.',
  average_latency: 'Always null: no latencies are measured.',
  all_loads: 'Requests routed to each candidate model in this process.',
};

const executeAction: ActionSpec = {
  description: 'Routes one request to a model (`action: execute`, the default), or does `route` or `optimize_batch` when `action` says so.',
  usesModel: true,
  parameters: {
    action: { type: 'string', description: '`execute` (route one request), `route` or `optimize_batch` (default execute).', default: 'execute', enum: ['execute', 'route', 'optimize_batch'] },
    request: str('The request to route (default the first of `tasks`).'),
    models: { type: ['array', 'string'], description: 'Candidate models, `provider:model` (default every configured model of the registry).' },
    strategy: { type: 'string', description: '`round_robin`, `least_loaded`, `cost_optimized` or `capability_based` (default capability_based: a model call analyzes the request).', default: 'capability_based', enum: ['round_robin', 'least_loaded', 'cost_optimized', 'capability_based'] },
    max_concurrent: { type: 'integer', description: 'Most requests routed to one model in this process; models at it are passed over (default 5).', default: 5 },
    timeout: { type: 'number', description: 'Accepted for ContextLab; routing makes at most one model call, bounded by the step\'s `timeout`.' },
    tasks: { type: 'array', description: 'For `route` and `optimize_batch`: the tasks.' },
    routing_strategy: routeParams.routing_strategy,
    constraints: { type: 'object', description: 'For `route` and `optimize_batch`: `total_budget`, `max_budget_per_task` (USD).' },
    optimization_goal: batchParams.optimization_goal,
    max_tokens: { type: 'integer', description: 'For `optimize_batch`: largest answer per task, in tokens (default 500).', default: 500 },
  },
  result: { ...singleResult, ...routeResult, ...batchResult },
};

export const multiModelRoutingSpec: ToolSpec = {
  name: 'multi-model-routing',
  description: 'Routes requests and batches of tasks across the registry\'s models by capability, cost or load.',
  actions: {
    execute: executeAction,
    route: {
      description: 'Recommends a model for each task (one model call analyzes them all), within a total budget.',
      usesModel: true,
      parameters: routeParams,
      result: routeResult,
    },
    optimize_batch: {
      description: 'Runs every task on the one model that best meets the goal and the per-task budget, and returns the answers.',
      usesModel: true,
      parameters: batchParams,
      result: batchResult,
    },
  },
};

const NO_IMAGES = ' Known to the analyzer; running it fails with a ConfigurationError: the models layer has no image input or output yet.';

export const imageAnalysisSpec: ToolSpec = {
  name: 'image-analysis',
  description: 'Analyzes an image with a vision model.' + NO_IMAGES,
  actions: {
    execute: {
      description: 'Describes, classifies or reads an image.',
      usesModel: true,
      parameters: {
        image: str('Image file path or base64 data.', true),
        analysis_type: { type: 'string', required: true, description: '`describe`, `detect_objects`, `extract_text`, `detect_faces` or `classify`.', enum: ['describe', 'detect_objects', 'extract_text', 'detect_faces', 'classify'] },
        model: str('`provider:model` with vision.'),
        detail_level: { type: 'string', description: '`low`, `medium` or `high` (default medium).', default: 'medium', enum: ['low', 'medium', 'high'] },
        output_format: { type: 'string', description: '`json`, `text` or `structured` (default json).', default: 'json', enum: ['json', 'text', 'structured'] },
        confidence_threshold: { type: 'number', description: 'Lowest confidence of a detection, 0 to 1 (default 0.5).', default: 0.5 },
      },
      result: { analysis: 'The analysis: `{analysis_type, result, image_info, model_used, detail_level}`.', metadata: '`{analysis_type, model, tokens_used}`.' },
    },
  },
};

export const imageGenerationSpec: ToolSpec = {
  name: 'image-generation',
  description: 'Generates images from a text description.' + NO_IMAGES,
  actions: {
    execute: {
      description: 'Generates images and saves or returns them.',
      usesModel: true,
      parameters: {
        prompt: str('What to draw.', true),
        model: str('`provider:model` that generates images.'),
        size: { type: 'string', description: '`256x256`, `512x512`, `1024x1024`, `1024x1792` or `1792x1024` (default 512x512).', default: '512x512', enum: ['256x256', '512x512', '1024x1024', '1024x1792', '1792x1024'] },
        style: str('Art style, added to the prompt.'),
        negative_prompt: str('What to avoid.'),
        num_images: { type: 'integer', description: 'How many images (default 1).', default: 1 },
        output_format: { type: 'string', description: '`file`, `url` or `base64` (default file).', default: 'file', enum: ['file', 'url', 'base64'] },
        output_path: str('Folder for the files (default `generated_images`).'),
        filename: str('File name of a single image.'),
      },
      result: { images: 'List of `{path|url|data, format}`.', metadata: '`{prompt, size, num_generated, model}`.' },
    },
  },
};
