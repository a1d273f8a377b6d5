"""Batch jobs on a task queue (OpenAI's Batch API shapes): the store, the queue, the jobs, the runner."""
