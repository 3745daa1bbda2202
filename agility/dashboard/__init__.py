"""`agility dashboard`: one pane of glass over the attached cluster and the clusters it links to."""
