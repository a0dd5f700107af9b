-- Argo CD health check for tviews.dev/TView.
-- Argo CD sets the global `obj` (the live resource) and expects a table with `status` and `message`.
--
-- Rules, first match wins (docs/argocd/README.md explains the choices):
--  1. spec.suspend is true                                   -> Suspended
--  2. no status, or status.observedGeneration < generation   -> Progressing (the operator has not seen this spec)
--  3. Stalled=True                                           -> Degraded if this generation was applied, else Progressing
--  4. Ready=False and this generation was applied            -> Degraded (it had converged; now it fails)
--  5. Reconciling=True                                       -> Progressing
--  6. Ready=True                                             -> Healthy (the message mentions drift when Drifted=True)
--  7. Ready=False (this generation never applied)            -> Progressing
--  8. no Ready condition yet                                 -> Progressing
-- "This generation was applied" means status.lastAppliedGeneration == metadata.generation: the operator records
-- there the generation whose spec it last applied successfully. A failure before the current generation was ever
-- applied is Progressing, not Degraded.
hs = {}

local function conditions(o)
  if o.status ~= nil and o.status.conditions ~= nil then
    return o.status.conditions
  end
  return {}
end

local function find(o, type)
  for _, c in ipairs(conditions(o)) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function is_true(c)
  return c ~= nil and c.status == "True"
end

local function text(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    if c.reason ~= nil and c.reason ~= "" then
      return c.reason .. ": " .. c.message
    end
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local generation = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  generation = obj.metadata.generation
end

-- 1. suspended
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Reconciliation is suspended (spec.suspend: true)"
  return hs
end

-- 2. the operator has not observed this generation
if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile this TView"
  return hs
end
if obj.status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation ..
      " (observed " .. obj.status.observedGeneration .. ")"
  return hs
end

local applied = obj.status.lastAppliedGeneration ~= nil and obj.status.lastAppliedGeneration == generation
local ready = find(obj, "Ready")
local stalled = find(obj, "Stalled")
local reconciling = find(obj, "Reconciling")
local drifted = find(obj, "Drifted")

-- 3. stalled
if is_true(stalled) then
  if applied then
    hs.status = "Degraded"
  else
    hs.status = "Progressing"
  end
  hs.message = text(stalled, "Stalled")
  return hs
end

-- 4. it had converged on this spec and now fails (database lost, damage it cannot heal), even while retrying
if applied and ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = text(ready, "Not ready")
  return hs
end

-- 5. reconciling
if is_true(reconciling) then
  hs.status = "Progressing"
  hs.message = text(reconciling, "Reconciling")
  return hs
end

-- 6. ready
if is_true(ready) then
  hs.status = "Healthy"
  if is_true(drifted) then
    hs.message = "Ready, but drift detected: " .. text(drifted, "Drifted")
  else
    hs.message = text(ready, "Ready")
  end
  return hs
end

-- 7. not ready, and this generation was never applied
if ready ~= nil and ready.status == "False" then
  hs.status = "Progressing"
  hs.message = text(ready, "Not ready")
  return hs
end

-- 8. no verdict yet
hs.status = "Progressing"
hs.message = text(ready, "Waiting for the Ready condition")
return hs
