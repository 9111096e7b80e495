"""Pure rules of the regulation: points, credits, quotas, rewards, assessment, working days."""
