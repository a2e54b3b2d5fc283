import { DEFAULT_IDLE_MINUTES } from '../people';
import type { StationParts, SupervisorServices } from './context';

/** The supervisor's People tab: the station's own operators and supervisors, the shared PIN, the idle sign-off. */
export function supervisorPeople(
  rt: StationParts,
): Pick<
  SupervisorServices,
  'people' | 'addOperator' | 'removeOperator' | 'addSupervisor' | 'removeSupervisor' | 'retireSharedPin' | 'setIdleSignOff'
> {
  const people = () => {
    rt.setup.ready();
    return {
      operators: rt.people.operators(),
      supervisors: rt.sessions.list(),
      idleMinutes: rt.settings.get('operatorIdleMinutes', DEFAULT_IDLE_MINUTES) as number,
      lines: rt.people.lines().map((l) => l.name),
      stationLine: rt.people.stationLine(),
    };
  };
  return {
    people: () => people(),
    addOperator: (input) => {
      rt.people.addOperator(input);
      return people();
    },
    removeOperator: (input) => {
      rt.people.removeOperator(input.number);
      return people();
    },
    addSupervisor: async (input) => {
      await rt.people.addSupervisor(input, rt.sessions.list());
      return people();
    },
    removeSupervisor: (input, ctx) => {
      rt.people.removeSupervisor(input.id, rt.sessions.require(ctx.sessionKey));
      return people();
    },
    retireSharedPin: (_input, ctx) => {
      rt.sessions.retireSharedPin(rt.sessions.require(ctx.sessionKey));
      return people();
    },
    setIdleSignOff: (input) => {
      rt.settings.set('operatorIdleMinutes', input.minutes);
      rt.events.emit('onOperator', rt.people.session());
      return people();
    },
  };
}
